// A real OpenID Connect provider (the npm package oidc-provider) for the single sign-on tests.
//
// Started by tests/sso/conftest.py: node tests/sso/provider.mjs CLIENT_ID CLIENT_SECRET REDIRECT_URI
// It listens on a free port of 127.0.0.1 and prints "listening http://127.0.0.1:PORT" once ready.
//
// The tests say who may sign in: POST /__test__/accounts with a JSON object of accounts, each
//   {"email": ..., "email_verified": true, "name": ..., "amr": ["pwd", "mfa"], "token": "honest"}
// where "token" is what the token endpoint does to that account's ID token on its way out:
//   "honest"   – nothing;
//   "tampered" – the payload is changed (amr gains "mfa") and the signature kept, as an attacker
//                between the provider and the portal would have to;
//   "replayed" – the account's previous ID token is sent again instead of the new one.
// The sign-in page asks for a username (an account's key) and signs that account in.

import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const [clientId, clientSecret, redirectUri] = process.argv.slice(2);
if (!clientId || !clientSecret || !redirectUri) {
  console.error('usage: node provider.mjs CLIENT_ID CLIENT_SECRET REDIRECT_URI');
  process.exit(2);
}

let accounts = {};
let previousIdToken = {};

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', use: 'sig', alg: 'RS256' };

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

function b64urlJson(part) {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

let provider;
let handler;

async function interactionPage(req, res, uid) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction mismatch');
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.end(`<!doctype html><html lang="en"><head><title>Test identity provider</title></head><body>
<h1>Test identity provider</h1>
<form method="post" action="/interaction/${escape(uid)}/login">
  <label for="username">Username</label>
  <input id="username" name="username" autocomplete="off">
  <button type="submit">Continue</button>
</form></body></html>`);
}

async function interactionLogin(req, res) {
  const form = new URLSearchParams(await readBody(req));
  const accountId = form.get('username') || '';
  const account = accounts[accountId];
  if (!account) {
    res.statusCode = 400;
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.end('<!doctype html><html lang="en"><head><title>Unknown user</title></head><body><p>No such user.</p></body></html>');
    return;
  }
  const login = { accountId, ...(account.amr ? { amr: account.amr } : {}) };
  await provider.interactionFinished(req, res, { login }, { mergeWithLastSubmission: false });
}

async function testControl(req, res) {
  if (req.method === 'POST' && req.url === '/__test__/accounts') {
    accounts = JSON.parse(await readBody(req));
    previousIdToken = {};
    res.setHeader('Content-Type', 'application/json');
    res.end('{"ok": true}');
    return;
  }
  res.statusCode = 404;
  res.end();
}

const server = createServer(async (req, res) => {
  try {
    const url = new URL(req.url, 'http://127.0.0.1');
    const login = url.pathname.match(/^\/interaction\/([^/]+)\/login$/);
    const page = url.pathname.match(/^\/interaction\/([^/]+)$/);
    if (url.pathname.startsWith('/__test__/')) {
      await testControl(req, res);
    } else if (login && req.method === 'POST') {
      await interactionLogin(req, res);
    } else if (page && req.method === 'GET') {
      await interactionPage(req, res, page[1]);
    } else {
      handler(req, res);
    }
  } catch (error) {
    console.error(error);
    res.statusCode = 500;
    res.end(String(error));
  }
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  provider = new Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    }],
    jwks: { keys: [signingKey] },
    claims: { openid: ['sub', 'amr'], email: ['email', 'email_verified'], profile: ['name'] },
    features: { devInteractions: { enabled: false } },
    cookies: { keys: ['test-only-cookie-key'] },
    async findAccount(ctx, id) {
      const account = accounts[id];
      if (!account) return undefined;
      return {
        accountId: id,
        async claims() {
          return { sub: id, email: account.email, email_verified: account.email_verified, name: account.name };
        },
      };
    },
    // The portal is a first-party application of the trust: no consent screen.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId
        || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
  });

  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path !== '/token' || !ctx.body || !ctx.body.id_token) return;
    const [header, payload, signature] = ctx.body.id_token.split('.');
    const claims = b64urlJson(payload);
    const account = accounts[claims.sub] || {};
    const issued = ctx.body.id_token;
    if (account.token === 'tampered') {
      const forged = { ...claims, amr: [...(claims.amr || []), 'mfa'] };
      ctx.body.id_token = `${header}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${signature}`;
    } else if (account.token === 'replayed' && previousIdToken[claims.sub]) {
      ctx.body.id_token = previousIdToken[claims.sub];
    }
    previousIdToken[claims.sub] = issued;
  });

  handler = provider.callback();
  console.log(`listening ${issuer}`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
