//! Request bodies: any bytes, read as each resource the emulator accepts, without a panic.
#![no_main]

use cosmolab_model::{
    Container, Database, Permission, RoleAssignment, RoleDefinition, TokenGrant, User,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = serde_json::from_slice::<serde_json::Value>(data);
    let _ = serde_json::from_slice::<Database>(data);
    let _ = serde_json::from_slice::<Container>(data);
    let _ = serde_json::from_slice::<User>(data);
    let _ = serde_json::from_slice::<Permission>(data);
    let _ = serde_json::from_slice::<RoleDefinition>(data);
    let _ = serde_json::from_slice::<RoleAssignment>(data);
    let _ = serde_json::from_slice::<TokenGrant>(data);
    if let Ok(partition) = std::str::from_utf8(data) {
        let _ = partition.parse::<cosmolab_model::PartitionKey>();
        let _ = cosmolab_model::validate_resource_id(partition);
    }
});
