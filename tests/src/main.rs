//! `workos-logout`: the WorkOS SSO Logout command line.
#![forbid(unsafe_code)]

fn main() {}
