// Runs one case of the node test: node harness.js <pkg dir> <case> <json args>.
// Prints the case's JSON outcome on one line, with how long it took ("elapsed_ms").
"use strict";
const [pkgDir, kase, rawArgs] = process.argv.slice(2);
const sdk = require(require("path").join(pkgDir, "workos_sso_logout_fetch.js"));
const args = JSON.parse(rawArgs);

async function run() {
  const started = Date.now();
  let outcome;
  switch (kase) {
    case "authorize":
      outcome = JSON.parse(
        await sdk.authorize(args.base, args.key, args.profile, args.timeout_ms || 0, args.retries ?? 2),
      );
      break;
    case "sign_out": {
      // Logout Authorize, then the browser's GET of the logout URL, as a Worker would do it.
      const auth = JSON.parse(await sdk.authorize(args.base, args.key, args.profile, 0, 2));
      outcome = auth.ok ? JSON.parse(await sdk.follow(args.base, args.key, auth.logout_url)) : auth;
      break;
    }
    default:
      throw new Error(`unknown case ${kase}`);
  }
  outcome.elapsed_ms = Date.now() - started;
  console.log(JSON.stringify(outcome));
}

run().catch((e) => {
  console.log(JSON.stringify({ ok: false, thrown: String(e) }));
  process.exitCode = 1;
});
