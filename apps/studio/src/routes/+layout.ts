// The studio is a client-rendered single-page app: the server hands out build/200.html for any
// non-API path and the router takes over in the browser.
export const ssr = false;
export const prerender = false;
