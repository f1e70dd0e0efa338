//! `AccountAdmin`'s Entra ID side against an in-process emulator: what lab 7's scenario will set
//! the scene with — an application, a custom role, an assignment, `disableLocalAuth`, the audit.

use cosmolab_auth_signing::{MasterKey, WELL_KNOWN_EMULATOR_KEY};
use cosmolab_client::{ClientSecretCredential, CosmosClient, Credential, EntraCredential};
use cosmolab_emulator::Emulator;
use cosmolab_lab_harness::AccountAdmin;
use serde_json::json;

#[tokio::test]
async fn the_admin_sets_up_entra_and_reads_the_audit() {
    let emulator = Emulator::builder().start().await.unwrap();
    let admin = AccountAdmin::new(
        emulator.endpoint(),
        MasterKey::from_base64(WELL_KNOWN_EMULATOR_KEY).unwrap(),
    );
    let app = admin.register_application("orders-api").await.unwrap();
    let object_id = app.object_id.as_str();
    assert!(
        !format!("{app:?}").contains(&app.client_secret),
        "Debug shows the secret"
    );
    let shown = serde_json::to_string(&app).unwrap();
    assert!(!shown.contains(&app.client_secret), "{shown}");
    assert!(shown.contains(&app.object_id), "{shown}");

    // A role the service would refuse: an unknown data action.
    let refused = admin
        .put_role_definition(
            "too-wide",
            json!({"roleName": "x", "type": "CustomRole", "assignableScopes": ["/"],
                   "permissions": [{"dataActions": ["Microsoft.DocumentDB/databaseAccounts/*"]}]}),
        )
        .await
        .unwrap_err();
    assert_eq!(refused.status, Some(400));

    admin
        .put_role_definition(
            "lister",
            json!({"roleName": "Lister", "type": "CustomRole", "assignableScopes": ["/"],
                   "permissions": [{"dataActions": ["Microsoft.DocumentDB/databaseAccounts/readMetadata"]}]}),
        )
        .await
        .unwrap();
    admin
        .assign_role("a1", "lister", "/", object_id)
        .await
        .unwrap();
    admin.set_disable_local_auth(true).await.unwrap();

    let source = ClientSecretCredential::new(
        emulator.endpoint(),
        &app.tenant_id,
        &app.client_id,
        &app.client_secret,
    )
    .unwrap();
    let client = CosmosClient::new(
        emulator.endpoint(),
        Credential::Entra(EntraCredential::new(source)),
    )
    .unwrap();
    assert!(client.databases().collect_items().await.unwrap().is_empty());
    admin.delete_role_assignment("a1").await.unwrap();
    assert!(client.databases().collect_items().await.is_err());

    let records = admin.audit().await.unwrap();
    let mine: Vec<_> = records
        .iter()
        .filter(|record| record.aad_principal_id.as_deref() == Some(object_id))
        .collect();
    assert_eq!(mine.len(), 2, "{records:?}"); // the list, allowed, then refused
    assert_eq!(
        mine[0].aad_applied_role_assignment_id.as_deref(),
        Some("a1")
    );
    assert_eq!(mine[1].status_code, 403);
    assert!(mine[1].denied());
}
