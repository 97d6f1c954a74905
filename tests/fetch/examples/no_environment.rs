//! Must NOT compile for `wasm32-unknown-unknown` (the node test checks that it does not): a
//! client made without an environment, which there would panic on its first retry (no clock),
//! repeat its idempotency keys in every instance (no entropy) and skip its waits (no thread).
//! Built only with feature `no-environment-check`.

use workos_sso_logout::{ApiKey, AsyncClient, ClientOptions, Config};
use workos_sso_logout_fetch::FetchTransport;

fn main() {
    let options = ClientOptions::default();
    let transport = FetchTransport::new(&options);
    let config = Config::new(ApiKey::new("sk_test_123").expect("a key"));
    let client = AsyncClient::with_transport(config, options, transport);
    drop(client);
}
