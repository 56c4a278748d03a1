// A real OpenID provider for the tests: the certified npm `oidc-provider`, on 127.0.0.1.
//
//   node tests/oidc/provider.mjs --port 43123 --client-id audit --client-secret s3cret \
//        --redirect-uri http://localhost/sign-in/sso/callback [--redirect-uri ...] \
//        [--post-logout-redirect-uri http://localhost/sign-in] [--id-token-ttl 3600]
//
// Its login page (/interaction/<uid>) asks for a username: one of the accounts the test has set
// (POST /__test__/accounts with {"ash": {"email": ..., "email_verified": true}}). Signing in
// grants the openid, email and profile scopes at once (no consent page).
//
// A test may ask for the next ID token to be spoilt (POST /__test__/spoil-next-id-token with
// {"claims": {"aud": "someone-else"}} or {"other_key": true}): it is re-signed with the
// provider's own key (or a key of the same id that the provider does not publish) so exactly
// one thing about it is wrong. Nothing here is for production.

import { generateKeyPairSync, sign } from 'node:crypto';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string' },
    'client-id': { type: 'string', default: 'audit-app' },
    'client-secret': { type: 'string', default: 'test-client-secret' },
    'redirect-uri': { type: 'string', multiple: true, default: [] },
    'post-logout-redirect-uri': { type: 'string', multiple: true, default: [] },
    'id-token-ttl': { type: 'string', default: '3600' },
  },
});

const port = Number(args.port);
const issuer = `http://127.0.0.1:${port}`;
const KEY_ID = 'test-signing-key';

function signingKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return privateKey;
}

const key = signingKey();
const otherKey = signingKey(); // same key id, never published: a forged signature
let accounts = {};
let spoilNext = null;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: args['client-id'],
      client_secret: args['client-secret'],
      redirect_uris: args['redirect-uri'],
      post_logout_redirect_uris: args['post-logout-redirect-uri'],
      response_types: ['code'],
      grant_types: ['authorization_code'],
    },
  ],
  jwks: { keys: [{ ...key.export({ format: 'jwk' }), kid: KEY_ID, use: 'sig', alg: 'RS256' }] },
  async findAccount(ctx, id) {
    if (!accounts[id]) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...accounts[id] }) };
  },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username'] },
  // Claims in the ID token itself, as Entra ID and most providers send them.
  conformIdTokenClaims: false,
  cookies: { keys: ['oidc-provider-test-cookie-key'] },
  features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  ttl: { IdToken: Number(args['id-token-ttl']) },
});

function base64url(value) {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

function spoil(idToken, how) {
  const [header, payload] = idToken.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url')));
  const body = `${base64url(header)}.${base64url({ ...payload, ...(how.claims || {}) })}`;
  const signature = sign('sha256', Buffer.from(body), how.other_key ? otherKey : key);
  return `${body}.${signature.toString('base64url')}`;
}

provider.use(async (ctx, next) => {
  await next();
  if (ctx.path === '/token' && spoilNext && ctx.body && ctx.body.id_token) {
    ctx.body = { ...ctx.body, id_token: spoil(ctx.body.id_token, spoilNext) };
    spoilNext = null;
  }
});

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function loginPage(uid, error) {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Test identity provider: sign in</title></head>
<body><main>
<h1>Test identity provider</h1>
${error ? `<p role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<label for="login">Username</label> <input id="login" name="login" autocomplete="off">
<label for="password">Password</label> <input id="password" name="password" type="password">
<button type="submit">Continue</button>
</form>
</main></body></html>`;
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString();
}

function send(res, status, type, body) {
  res.writeHead(status, { 'Content-Type': type });
  res.end(body);
}

const callback = provider.callback();

const server = createServer(async (req, res) => {
  try {
    const url = new URL(req.url, issuer);
    const interaction = url.pathname.match(/^\/interaction\/([^/]+)(\/login)?$/);
    if (url.pathname === '/favicon.ico') {
      return send(res, 204, 'image/x-icon', ''); // no icon, and no 404 in the browser's console
    }
    if (url.pathname === '/__test__/accounts' && req.method === 'POST') {
      accounts = JSON.parse(await readBody(req));
      return send(res, 204, 'text/plain', '');
    }
    if (url.pathname === '/__test__/spoil-next-id-token' && req.method === 'POST') {
      spoilNext = JSON.parse(await readBody(req));
      return send(res, 204, 'text/plain', '');
    }
    if (interaction && req.method === 'GET') {
      const details = await provider.interactionDetails(req, res);
      return send(res, 200, 'text/html; charset=utf-8', loginPage(details.uid));
    }
    if (interaction && interaction[2] && req.method === 'POST') {
      const details = await provider.interactionDetails(req, res);
      const login = new URLSearchParams(await readBody(req)).get('login') || '';
      if (!accounts[login]) {
        return send(res, 200, 'text/html; charset=utf-8', loginPage(details.uid, 'No such test account'));
      }
      const grant = new provider.Grant({ accountId: login, clientId: details.params.client_id });
      grant.addOIDCScope('openid email profile');
      const grantId = await grant.save();
      return await provider.interactionFinished(
        req,
        res,
        { login: { accountId: login }, consent: { grantId } },
        { mergeWithLastSubmission: false },
      );
    }
    return callback(req, res);
  } catch (error) {
    return send(res, 500, 'text/plain', String(error));
  }
});

server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`oidc-provider listening on ${issuer}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
