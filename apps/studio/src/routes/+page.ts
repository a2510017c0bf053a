// Emit build/index.html for "/" (an empty shell, as ssr is off) so a plain static server finds
// it too; every other path is answered with build/200.html.
export const prerender = true;
