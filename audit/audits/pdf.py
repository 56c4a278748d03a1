"""The PDF of one audit, for the child's file."""
