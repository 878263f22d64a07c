// Development OpenID Provider for Commons: the certified `oidc-provider` package, configured with one
// confidential client (the hub) and every person of the directory snapshot as an account.
//
// Sign-in needs no password: the login page asks for a handle or an email address. Never expose it.
//
//   node server.js --port 8001 --issuer http://localhost:8001 \
//     --client-id commons-dev \
//     --redirect-uri http://localhost:8000/auth/callback \
//     --post-logout-redirect-uri http://localhost:8000/auth/signed-out \
//     --accounts build/hub/directory.json [--accounts more.json] [--jwks private-jwks.json]
//
// The client secret comes from the environment variable DEV_IDP_CLIENT_SECRET (or --client-secret).
// --accounts takes a hub directory snapshot ({"people": {"<handle>": {...}}}) or a JSON list of
// {"sub", "email", "name", "preferred_username", "upn"}. --jwks takes a private JWK Set (RS256 keys
// with a "kid"); without it a fresh RSA key is made at start.

import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    issuer: { type: 'string' },
    'client-id': { type: 'string' },
    'client-secret': { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
    'post-logout-redirect-uri': { type: 'string', multiple: true, default: [] },
    accounts: { type: 'string', multiple: true },
    jwks: { type: 'string' },
  },
  strict: true,
});
args['client-secret'] ??= process.env.DEV_IDP_CLIENT_SECRET;

for (const required of ['port', 'issuer', 'client-id', 'client-secret', 'redirect-uri', 'accounts']) {
  if (!args[required]) {
    console.error(`dev-idp: --${required} is required`);
    process.exit(2);
  }
}

const accounts = loadAccounts(args.accounts);
const byLogin = new Map();
for (const account of accounts.values()) {
  byLogin.set(account.sub.toLowerCase(), account);
  if (account.email) byLogin.set(account.email.toLowerCase(), account);
}

function loadAccounts(paths) {
  const found = new Map();
  for (const path of paths) {
    const parsed = JSON.parse(readFileSync(path, 'utf8'));
    const entries = Array.isArray(parsed)
      ? parsed
      : Object.entries(parsed.people ?? {}).map(([handle, person]) => ({
        sub: handle,
        email: person.email,
        name: person.name,
        preferred_username: handle,
        upn: person.email,
      }));
    for (const entry of entries) {
      if (typeof entry.sub !== 'string' || !entry.sub) throw new Error(`${path}: an account has no "sub"`);
      found.set(entry.sub, entry);
    }
  }
  if (found.size === 0) throw new Error('no accounts: pass a directory.json with people');
  return found;
}

function signingKeys() {
  if (args.jwks) return JSON.parse(readFileSync(args.jwks, 'utf8'));
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' }] };
}

function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title, body, status = 200) {
  return {
    status,
    html: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}
input,button{font:inherit;padding:.4rem .6rem}label{display:block;margin:.8rem 0 .3rem}
.error{color:#a00}ul{padding-left:1.2rem;max-height:16rem;overflow:auto}</style></head>
<body><p><strong>Commons dev identity provider</strong> — for development only, no password.</p>${body}</body></html>`,
  };
}

function loginPage(uid, error, typed = '') {
  const people = [...accounts.values()]
    .map((a) => `<li><code>${escapeHtml(a.sub)}</code> ${escapeHtml(a.name ?? '')} ${escapeHtml(a.email ?? '')}</li>`)
    .join('');
  return page('Sign in', `<h1>Sign in</h1>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login" autocomplete="off">
<label for="login">Handle or work email</label>
<input id="login" name="login" required autofocus value="${escapeHtml(typed)}">
<button type="submit">Sign in</button>
</form>
<form method="post" action="/interaction/${escapeHtml(uid)}/abort"><button type="submit">Cancel</button></form>
<h2 id="accounts">Accounts</h2><ul tabindex="0" aria-labelledby="accounts">${people}</ul>`, error ? 400 : 200);
}

const provider = new Provider(args.issuer, {
  clients: [{
    client_id: args['client-id'],
    client_secret: args['client-secret'],
    redirect_uris: args['redirect-uri'],
    post_logout_redirect_uris: args['post-logout-redirect-uri'],
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
  }],
  jwks: signingKeys(),
  cookies: { keys: [randomBytes(32).toString('hex')] },
  // Put the scopes' claims in the ID token, as Entra ID, Okta and Google do; the hub reads no userinfo.
  conformIdTokenClaims: false,
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username', 'upn'],
  },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      // Sign the person out without a second question: the hub already asked.
      async logoutSource(ctx, form) {
        ctx.body = page('Signing out', `${form}<input type="hidden" form="op.logoutForm" name="logout" value="yes">
<noscript><button type="submit" form="op.logoutForm">Sign out</button></noscript>
<script>document.getElementById('op.logoutForm').submit()</script>`).html;
      },
      async postLogoutSuccessSource(ctx) {
        ctx.body = page('Signed out', '<h1>Signed out</h1>').html;
      },
    },
  },
  pkce: { required: () => true },
  ttl: {
    AccessToken: 3600,
    AuthorizationCode: 60,
    Grant: 14 * 24 * 3600,
    IdToken: 3600,
    Interaction: 3600,
    Session: 14 * 24 * 3600,
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(_ctx, sub) {
    const account = accounts.get(sub);
    if (!account) return undefined;
    return {
      accountId: sub,
      async claims() {
        return {
          sub,
          email: account.email,
          email_verified: Boolean(account.email),
          name: account.name,
          preferred_username: account.preferred_username ?? sub,
          upn: account.upn ?? account.email,
        };
      },
    };
  },
  // The hub is a first-party client: grant its scopes without a consent screen.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      const grant = await ctx.oidc.provider.Grant.find(grantId);
      if (grant) return grant;
    }
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
  async renderError(ctx, out) {
    ctx.type = 'html';
    const lines = Object.entries(out).map(([k, v]) => `<p><strong>${escapeHtml(k)}</strong>: ${escapeHtml(v)}</p>`);
    ctx.body = page('Sign-in error', `<h1>Sign-in error</h1>${lines.join('')}`).html;
  },
});

async function readForm(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 16 * 1024) throw new Error('form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(res, { status, html }) {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'x-frame-options': 'DENY',
  });
  res.end(html);
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return send(res, page('Sign-in error', '<h1>This sign-in has expired</h1>', 400));
  if (req.method === 'GET' && !action) {
    if (details.prompt.name !== 'login') {
      return send(res, page('Sign-in error', `<h1>Unsupported prompt ${escapeHtml(details.prompt.name)}</h1>`, 501));
    }
    return send(res, loginPage(uid));
  }
  if (req.method === 'POST' && action === 'login') {
    const typed = ((await readForm(req)).get('login') ?? '').trim();
    const account = byLogin.get(typed.toLowerCase());
    if (!account) return send(res, loginPage(uid, `No account for “${typed}”.`, typed));
    return provider.interactionFinished(req, res, { login: { accountId: account.sub } }, {
      mergeWithLastSubmission: false,
    });
  }
  if (req.method === 'POST' && action === 'abort') {
    return provider.interactionFinished(req, res, {
      error: 'access_denied',
      error_description: 'End-User aborted interaction',
    }, { mergeWithLastSubmission: false });
  }
  return send(res, page('Not found', '<h1>Not found</h1>', 404));
}

const handleOidc = provider.callback();
const interactionPath = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|abort))?$/;

const server = createServer(async (req, res) => {
  const match = interactionPath.exec(new URL(req.url, args.issuer).pathname);
  if (!match) return handleOidc(req, res);
  try {
    await interaction(req, res, match[1], match[2]);
  } catch (err) {
    console.error(`dev-idp: interaction failed: ${err.message}`);
    if (!res.headersSent) send(res, page('Sign-in error', '<h1>This sign-in has expired</h1><p>Start again from the hub.</p>', 400));
  }
});

server.listen(Number(args.port), args.host, () => {
  console.log(`dev-idp: ${args.issuer} with ${accounts.size} accounts`);
});

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
