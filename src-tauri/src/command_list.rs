// The one list of the commands the web UI may call. Included by build.rs
// (each command gets an `allow-<name>` permission, granted in
// capabilities/main.json) and by commands.rs (the handler and the typed
// TypeScript bindings). No command is generic over the runtime: what needs
// the app handle (browser, clipboard) is in the managed `Desktop`.
macro_rules! app_commands {
    ($m:ident) => {
        $m!(
            [
                app_status,
                save_credentials,
                forget_credentials,
                use_demo,
                use_kick,
                retry_restore,
                cancel_login,
                logout,
                channel,
                channel_limits,
                update_channel,
                search_categories,
                live_snapshot,
                watchlist_add,
                watchlist_remove,
                reveal_stream_key,
                hide_stream_key,
                demo_set_live,
                chat_start,
                chat_stop,
                chat_history,
                set_chat_transport,
                chat_send,
                chat_moderate,
                login,
                copy_stream_key,
                feed_open,
                feed_mark_read,
                stream_stats,
                stream_history,
                notify_prefs,
                set_notify_prefs,
                redemptions_refresh,
                redemptions_decide,
                rewards,
                reward_create,
                reward_update,
                reward_delete,
                webhook_status,
                webhook_set_receiver,
                webhook_subscriptions,
                webhook_set_wanted,
                webhook_reconcile,
                obs_view,
                obs_configure,
                obs_connect,
                obs_disconnect,
                obs_setup,
                obs_check_key,
                obs_go_live,
                obs_end_stream,
                obs_switch_scene,
                about,
                open_logs_folder
            ]
        )
    };
}
