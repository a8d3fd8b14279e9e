mod common;

use kick_api::{scopes, Error, UserId};

#[tokio::test]
async fn me_returns_the_streamer_with_email() {
    let fake = common::fake().await;
    let client = common::user_client(&fake, &[scopes::USER_READ]);
    let me = client.me().await.unwrap();
    assert_eq!(me.user_id, UserId(kick_fake::STREAMER_ID));
    assert!(!me.email.is_empty());
}

#[tokio::test]
async fn users_without_scope_is_forbidden() {
    let fake = common::fake().await;
    let client = common::user_client(&fake, &[scopes::CHANNEL_READ]);
    match client.me().await {
        Err(Error::Forbidden {
            missing_scope: Some(scopes::USER_READ),
            ..
        }) => {}
        other => panic!("expected 403 naming user:read, got {other:?}"),
    }
}
