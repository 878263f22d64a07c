// Tests for viewer-request.js, loaded exactly as CloudFront runs it: the bare source in a fresh
// context whose only extra global is Buffer. Run with `node --test infra/edge/`.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import vm from 'node:vm';

const SOURCE_PATH = new URL('./viewer-request.js', import.meta.url);
const SOURCE = readFileSync(SOURCE_PATH, 'utf8');

function loadHandler() {
    const context = vm.createContext({ Buffer });
    vm.runInContext(SOURCE, context, { filename: 'viewer-request.js' });
    assert.equal(typeof context.handler, 'function', 'the source declares function handler(event)');
    return context.handler;
}

const handler = loadHandler();

// Objects made inside the vm context have that context's prototypes; compare plain data.
function run(event) {
    return JSON.parse(JSON.stringify(handler(event)));
}

const now = () => Math.floor(Date.now() / 1000);

function event({ uri = '/', method = 'GET', querystring = {}, headers = {}, cookies = {} } = {}) {
    return { version: '1.0', context: {}, viewer: { ip: '192.0.2.1' }, request: { method, uri, querystring, headers, cookies } };
}

function cloudfrontBase64(text) {
    return Buffer.from(text, 'utf8').toString('base64').replace(/\+/g, '-').replace(/=/g, '_').replace(/\//g, '~');
}

function policyCookie(epoch) {
    const policy = {
        Statement: [{ Resource: 'https://hub.example.com/*', Condition: { DateLessThan: { 'AWS:EpochTime': epoch } } }],
    };
    return cloudfrontBase64(JSON.stringify(policy));
}

function signed({ policy, expires, signature = 'c2lnbmF0dXJl', keyPairId = 'K2JCJMDEHXQW5F' } = {}) {
    const cookies = {};
    // null leaves a cookie out (undefined would take the default)
    if (policy != null) cookies['CloudFront-Policy'] = { value: policy };
    if (expires != null) cookies['CloudFront-Expires'] = { value: expires };
    if (signature != null) cookies['CloudFront-Signature'] = { value: signature };
    if (keyPairId != null) cookies['CloudFront-Key-Pair-Id'] = { value: keyPairId };
    return cookies;
}

const validCookies = () => signed({ policy: policyCookie(now() + 3600) });

function signIn(target) {
    return {
        statusCode: 302,
        statusDescription: 'Found',
        headers: {
            location: { value: '/auth/login?next=' + encodeURIComponent(target) },
            'cache-control': { value: 'no-store' },
        },
    };
}

function decodedNext(response) {
    const location = response.headers.location.value;
    const prefix = '/auth/login?next=';
    assert.ok(location.startsWith(prefix), location);
    return decodeURIComponent(location.slice(prefix.length));
}

function assertSameSite(next) {
    assert.equal(next.charAt(0), '/', next);
    assert.notEqual(next.charAt(1), '/', next);
    assert.notEqual(next.charAt(1), '\\', next);
}

test('without cookies a page visit is sent to sign-in with next', () => {
    const result = run(event({ uri: '/teams/platform/' }));
    assert.deepEqual(result, signIn('/teams/platform/'));
    assert.equal(result.headers.location.value, '/auth/login?next=%2Fteams%2Fplatform%2F');
});

test('an expired policy is sent to sign-in', () => {
    const result = run(event({ uri: '/teams/platform/', cookies: signed({ policy: policyCookie(now() - 3600) }) }));
    assert.deepEqual(result, signIn('/teams/platform/'));
});

test('a policy that expired one second ago is sent to sign-in', () => {
    const result = run(event({ uri: '/', cookies: signed({ policy: policyCookie(now() - 1) }) }));
    assert.deepEqual(result, signIn('/'));
});

test('a garbage policy is sent to sign-in, never thrown on', () => {
    const statement = (condition) => cloudfrontBase64(JSON.stringify({ Statement: [{ Condition: condition }] }));
    const garbage = {
        'bad base64': '!!!not*base64!!!',
        'not JSON': cloudfrontBase64('this is not json'),
        'JSON null': cloudfrontBase64('null'),
        'no Statement': cloudfrontBase64('{}'),
        'empty Statement': cloudfrontBase64('{"Statement":[]}'),
        'no DateLessThan': statement({}),
        'string epoch': statement({ DateLessThan: { 'AWS:EpochTime': String(now() + 3600) } }),
        'null epoch': statement({ DateLessThan: { 'AWS:EpochTime': null } }),
        'truncated': policyCookie(now() + 3600).slice(0, 20),
    };
    for (const [name, policy] of Object.entries(garbage)) {
        const result = run(event({ uri: '/teams/', cookies: signed({ policy }) }));
        assert.deepEqual(result, signIn('/teams/'), name);
    }
});

test('a stray canned Expires does not rescue a bad custom policy', () => {
    const cookies = signed({ policy: '!!!', expires: String(now() + 3600) });
    assert.deepEqual(run(event({ uri: '/', cookies })), signIn('/'));
});

test('a missing or empty signature or key-pair id is sent to sign-in', () => {
    const policy = policyCookie(now() + 3600);
    for (const cookies of [
        signed({ policy, signature: null }),
        signed({ policy, keyPairId: null }),
        signed({ policy, signature: null, keyPairId: null }),
        signed({ policy, signature: '' }),
        signed({ policy, keyPairId: '' }),
    ]) {
        assert.deepEqual(run(event({ uri: '/', cookies })), signIn('/'));
    }
});

test('valid-looking cookies pass, with directory paths mapped onto index.html', () => {
    const teams = event({ uri: '/teams/platform/', cookies: validCookies() });
    const result = run(teams);
    assert.equal(result.uri, '/teams/platform/index.html');
    assert.deepEqual(result, { ...teams.request, uri: '/teams/platform/index.html' });

    assert.equal(run(event({ uri: '/', cookies: validCookies() })).uri, '/index.html');
});

test('valid-looking cookies pass a file unchanged', () => {
    const asset = event({ uri: '/assets/x.css', cookies: validCookies() });
    const expected = JSON.parse(JSON.stringify(asset.request));
    assert.deepEqual(run(asset), expected);
});

test('a directory without its slash is redirected to it, keeping the query', () => {
    const result = run(
        event({
            uri: '/teams/platform',
            querystring: { tab: { value: 'members' }, q: { value: 'a', multiValue: [{ value: 'a' }, { value: 'b' }] } },
            cookies: validCookies(),
        }),
    );
    assert.deepEqual(result, {
        statusCode: 301,
        statusDescription: 'Moved Permanently',
        headers: { location: { value: '/teams/platform/?tab=members&q=a&q=b' } },
    });
    const bare = run(event({ uri: '/teams/platform', cookies: validCookies() }));
    assert.equal(bare.headers.location.value, '/teams/platform/');
});

test('the slash redirect can never become a protocol-relative URL', () => {
    for (const uri of ['//evil', '/\\evil', '///a', '', 'evil', '/\t/evil']) {
        const result = run(event({ uri, cookies: validCookies() }));
        assert.equal(result.statusCode, 301, JSON.stringify(uri));
        assertSameSite(result.headers.location.value);
    }
    assert.equal(run(event({ uri: '//evil', cookies: validCookies() })).headers.location.value, '/evil/');
    assert.equal(run(event({ uri: '', cookies: validCookies() })).headers.location.value, '/');
});

test('a canned policy Expires in the future passes', () => {
    const result = run(event({ uri: '/teams/', cookies: signed({ expires: String(now() + 3600) }) }));
    assert.equal(result.uri, '/teams/index.html');
});

test('a canned Expires in the past or not made of digits is sent to sign-in', () => {
    for (const expires of [String(now() - 1), '', '12abc', '-1', ' 9999999999', '9999999999.5', '1e12']) {
        const result = run(event({ uri: '/', cookies: signed({ expires }) }));
        assert.deepEqual(result, signIn('/'), JSON.stringify(expires));
    }
});

test('auth and api paths pass unchanged even without cookies', () => {
    const cases = [
        { uri: '/auth/login' },
        { uri: '/auth/callback', querystring: { code: { value: 'x' } } },
        { uri: '/api/me' },
        { uri: '/api' },
        { uri: '/auth' },
        { uri: '/api/posts', method: 'POST' },
    ];
    for (const fields of cases) {
        const e = event(fields);
        const expected = JSON.parse(JSON.stringify(e.request));
        assert.deepEqual(run(e), expected, fields.uri);
    }
});

test('paths that only start like auth or api are hub pages', () => {
    assert.deepEqual(run(event({ uri: '/authority/' })), signIn('/authority/'));
    assert.deepEqual(run(event({ uri: '/apiary' })), signIn('/apiary'));
});

test('a non-navigation request without cookies is left for the key group to refuse', () => {
    for (const mode of ['cors', 'no-cors', 'same-origin', 'websocket']) {
        const e = event({ uri: '/assets/app.js', headers: { 'sec-fetch-mode': { value: mode } } });
        const expected = JSON.parse(JSON.stringify(e.request));
        assert.deepEqual(run(e), expected, mode);
    }
});

test('a POST without cookies is left for the key group to refuse', () => {
    const e = event({ uri: '/teams/', method: 'POST', headers: { 'sec-fetch-mode': { value: 'navigate' } } });
    const expected = JSON.parse(JSON.stringify(e.request));
    assert.deepEqual(run(e), expected);
});

test('a navigation, GET or HEAD, without cookies is sent to sign-in', () => {
    const nav = { 'sec-fetch-mode': { value: 'navigate' } };
    assert.deepEqual(run(event({ uri: '/teams/', headers: nav })), signIn('/teams/'));
    assert.deepEqual(run(event({ uri: '/teams/', method: 'HEAD' })), signIn('/teams/'));
    assert.deepEqual(run(event({ uri: '/teams/', method: 'HEAD', headers: nav })), signIn('/teams/'));
});

test('the query string and non-ASCII characters survive, still encoded', () => {
    const result = run(
        event({
            uri: '/people/zo%C3%AB/',
            querystring: {
                tab: { value: 'posts' },
                q: { value: 'caf%C3%A9', multiValue: [{ value: 'caf%C3%A9' }, { value: 'x%20y' }] },
            },
        }),
    );
    assert.equal(result.statusCode, 302);
    assert.equal(decodedNext(result), '/people/zo%C3%AB/?tab=posts&q=caf%C3%A9&q=x%20y');
    assert.deepEqual(result, signIn('/people/zo%C3%AB/?tab=posts&q=caf%C3%A9&q=x%20y'));
});

test('a query name with an empty value keeps its equals sign', () => {
    const result = run(event({ uri: '/search/', querystring: { q: { value: '' }, page: { value: '2' } } }));
    assert.equal(decodedNext(result), '/search/?q=&page=2');
});

test('next never points off-site', () => {
    assert.equal(decodedNext(run(event({ uri: '//evil.example/x' }))), '/evil.example/x');
    assert.equal(decodedNext(run(event({ uri: '/\\evil.example' }))), '/evil.example');
    assert.equal(decodedNext(run(event({ uri: '///a' }))), '/a');
    assert.equal(decodedNext(run(event({ uri: '/\t/evil.example' }))), '/evil.example');
    assert.equal(decodedNext(run(event({ uri: 'evil.example' }))), '/');

    // %2F is an encoded slash inside a segment, not a host: it stays as sent.
    const encoded = decodedNext(run(event({ uri: '/%2F%2Fevil' })));
    assert.equal(encoded, '/%2F%2Fevil');
    assertSameSite(encoded);
});

test('property: next starts with one slash for any odd path', () => {
    const pieces = ['/', '\\', '//', '\\\\', '/\\', '\t', '\n', '\r', ' ', '\x00', '%2F', '%5C', '.', '..', 'evil.example', 'a', '?', '#', '@', ':', 'é', '%', ''];
    let state = 12345;
    const random = (n) => {
        state = (state * 1103515245 + 12345) % 2147483648; // deterministic, so failures reproduce
        return state % n;
    };
    const uris = [];
    for (const a of pieces) {
        for (const b of pieces) {
            uris.push(a + b, a + b + 'x', '/' + a + b);
        }
    }
    for (let i = 0; i < 2000; i++) {
        let uri = '';
        const length = 1 + random(6);
        for (let j = 0; j < length; j++) uri += pieces[random(pieces.length)];
        uris.push(uri);
    }
    for (const uri of uris) {
        const result = run(event({ uri }));
        if (result.statusCode === undefined) {
            // Only the auth and api routes pass without cookies.
            assert.ok(/^\/(auth|api)(\/|$)/.test(uri), JSON.stringify(uri));
            continue;
        }
        assert.equal(result.statusCode, 302, JSON.stringify(uri));
        assertSameSite(decodedNext(result));
    }
});

test('a request without cookies, headers or query objects is still answered', () => {
    assert.deepEqual(run({ request: { method: 'GET', uri: '/teams/' } }), signIn('/teams/'));
    const nulls = { 'CloudFront-Signature': null, 'CloudFront-Key-Pair-Id': {}, 'CloudFront-Policy': { value: 7 } };
    assert.deepEqual(run(event({ uri: '/teams/', cookies: nulls })), signIn('/teams/'));
});

test('the deployed source stays a bare CloudFront Function under 10 KB', () => {
    assert.ok(Buffer.byteLength(SOURCE, 'utf8') < 10 * 1024, `${Buffer.byteLength(SOURCE, 'utf8')} bytes`);
    assert.ok(!SOURCE.includes('module.exports'));
    assert.ok(!SOURCE.includes('require('));
    assert.ok(!/^\s*import\s/m.test(SOURCE) && !SOURCE.includes('import '));
    assert.ok(!/\bexport\s/.test(SOURCE));
    assert.ok(!/console\.log/.test(SOURCE));
    assert.match(SOURCE, /^function handler\(event\) \{$/m);
});
