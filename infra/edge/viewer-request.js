// Viewer-request function for the hub's static pages (runtime cloudfront-js-2.0).
// It cannot verify CloudFront's RSA signature; the trusted key group does that. It only
// sends visitors without plausible signed cookies to sign-in, and maps directory paths
// onto S3 keys, which has no directory index behind Origin Access Control.
// Inlined verbatim into the template: top-level declarations only, no module syntax.

var SIGN_IN = '/auth/login?next=';

// A leading run of slashes, backslashes or control characters would make `next` or a
// Location a protocol-relative URL (browsers read `\` as `/` and drop tabs and newlines).
var LEADING_SLASHES = /^[\/\\][\/\\\x00-\x20\x7f]*/;

// CloudFront's URL-safe base64 alphabet, after translation back to the standard one.
var BASE64 = /^[A-Za-z0-9+\/]+={0,2}$/;

function cookieValue(cookies, name) {
    var cookie = cookies ? cookies[name] : null;
    return cookie && typeof cookie.value === 'string' ? cookie.value : '';
}

function policyExpiry(policy) {
    var b64 = policy.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/');
    if (!BASE64.test(b64)) {
        return null;
    }
    try {
        var doc = JSON.parse(Buffer.from(b64, 'base64').toString('utf8'));
        var epoch = doc.Statement[0].Condition.DateLessThan['AWS:EpochTime'];
        return typeof epoch === 'number' && isFinite(epoch) ? epoch : null;
    } catch (e) {
        // Not JSON, or a field missing on the way down: not valid-looking.
        return null;
    }
}

function hasSignedCookies(cookies, now) {
    if (!cookieValue(cookies, 'CloudFront-Signature') || !cookieValue(cookies, 'CloudFront-Key-Pair-Id')) {
        return false;
    }
    var policy = cookieValue(cookies, 'CloudFront-Policy');
    if (policy) {
        // A custom policy is what CloudFront will check; a stray Expires does not rescue a bad one.
        var expiry = policyExpiry(policy);
        return expiry !== null && expiry > now;
    }
    var expires = cookieValue(cookies, 'CloudFront-Expires');
    return /^[0-9]{1,15}$/.test(expires) && parseInt(expires, 10) > now;
}

function queryString(querystring) {
    var parts = [];
    var names = Object.keys(querystring || {});
    for (var i = 0; i < names.length; i++) {
        var entry = querystring[names[i]] || {};
        var values = entry.multiValue && entry.multiValue.length ? entry.multiValue : [entry];
        for (var j = 0; j < values.length; j++) {
            var value = values[j] && values[j].value;
            parts.push(names[i] + '=' + (value === undefined || value === null ? '' : value));
        }
    }
    return parts.length ? '?' + parts.join('&') : '';
}

function sameSitePath(uri) {
    var path = String(uri || '').replace(LEADING_SLASHES, '/');
    return path.charAt(0) === '/' ? path : '/';
}

function isPassThrough(uri) {
    return uri === '/auth' || uri === '/api' || uri.indexOf('/auth/') === 0 || uri.indexOf('/api/') === 0;
}

function isPageVisit(request) {
    var mode = request.headers && request.headers['sec-fetch-mode'];
    return (request.method === 'GET' || request.method === 'HEAD') && (!mode || mode.value === 'navigate');
}

function handler(event) {
    var request = event.request;
    var uri = typeof request.uri === 'string' ? request.uri : '';
    if (isPassThrough(uri)) {
        return request;
    }
    if (!hasSignedCookies(request.cookies, Date.now() / 1000)) {
        if (!isPageVisit(request)) {
            // Sub-resources, fetches and POSTs get the key group's 403, not a sign-in page.
            return request;
        }
        var target = sameSitePath(uri) + queryString(request.querystring);
        return {
            statusCode: 302,
            statusDescription: 'Found',
            headers: {
                location: { value: SIGN_IN + encodeURIComponent(target) },
                'cache-control': { value: 'no-store' },
            },
        };
    }
    if (uri.charAt(uri.length - 1) === '/') {
        request.uri = uri + 'index.html';
        return request;
    }
    var last = uri.slice(uri.lastIndexOf('/') + 1);
    if (last.indexOf('.') === -1) {
        // A directory asked for without its slash: relative links in the page need the slash.
        var path = sameSitePath(uri);
        if (path.charAt(path.length - 1) !== '/') {
            path += '/'; // never '//' from an empty or odd uri
        }
        return {
            statusCode: 301,
            statusDescription: 'Moved Permanently',
            headers: { location: { value: path + queryString(request.querystring) } },
        };
    }
    return request;
}
