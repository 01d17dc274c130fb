//! Small browser facilities (storage, sound, notifications, clock). Each has a server-side
//! stand-in so components compile for SSR; effects only ever call them in the browser.

use leptos::prelude::*;

#[cfg(feature = "hydrate")]
mod imp {
    use leptos::prelude::*;
    use wasm_bindgen::JsValue;

    pub fn now_ms() -> i64 {
        js_sys::Date::now() as i64
    }

    fn storage() -> Option<web_sys::Storage> {
        window().local_storage().ok().flatten()
    }

    pub fn storage_get(key: &str) -> Option<String> {
        storage()?.get_item(key).ok().flatten()
    }

    pub fn storage_set(key: &str, value: &str) {
        if let Some(s) = storage() {
            let _ = s.set_item(key, value);
        }
    }

    pub fn storage_remove(key: &str) {
        if let Some(s) = storage() {
            let _ = s.remove_item(key);
        }
    }

    /// A short two-tone chime, synthesised so no audio file is needed.
    pub fn chime() {
        let Ok(ctx) = web_sys::AudioContext::new() else { return };
        for (i, freq) in [880.0_f32, 1320.0].into_iter().enumerate() {
            let (Ok(osc), Ok(gain)) = (ctx.create_oscillator(), ctx.create_gain()) else { return };
            osc.frequency().set_value(freq);
            let start = ctx.current_time() + i as f64 * 0.15;
            gain.gain().set_value(0.08);
            let _ = osc.connect_with_audio_node(&gain);
            let _ = gain.connect_with_audio_node(&ctx.destination());
            let _ = osc.start_with_when(start);
            let _ = osc.stop_with_when(start + 0.12);
        }
    }

    pub fn notifications_permitted() -> bool {
        web_sys::Notification::permission() == web_sys::NotificationPermission::Granted
    }

    pub fn notifications_undecided() -> bool {
        web_sys::Notification::permission() == web_sys::NotificationPermission::Default
    }

    pub fn request_notifications() {
        let _ = web_sys::Notification::request_permission();
    }

    pub fn notify(title: &str, body: &str) {
        if notifications_permitted() {
            let options = web_sys::NotificationOptions::new();
            options.set_body(body);
            let _ = web_sys::Notification::new_with_options(title, &options);
        }
    }

    pub fn set_title(title: &str) {
        document().set_title(title);
    }

    /// Tells the page that embeds this one in an iframe (public/embed.js) that something
    /// happened, e.g. `"deskchat:message"`; says nothing when not embedded. Only the word goes
    /// out, never the text, so any embedding page may hear it.
    pub fn tell_embedder(what: &str) {
        if let Some(parent) = embedder() {
            let _ = parent.post_message(&JsValue::from_str(what), "*");
        }
    }

    fn embedder() -> Option<web_sys::Window> {
        let parent = window().parent().ok().flatten()?;
        (parent != window()).then_some(parent)
    }

    /// Hands the chat's token to the page embedding the widget, and to it alone (the origin it
    /// loaded us from): browsers that deny a framed page its own storage would otherwise lose
    /// the chat on the site's next page. Only sites allowed to frame the widget get here.
    pub fn hand_token_to_embedder(token: &str) {
        let Some(parent) = embedder() else { return };
        let Some(origin) = origin_of(&document().referrer()) else { return };
        let _ = parent.post_message(&JsValue::from_str(&format!("deskchat:token:{token}")), &origin);
    }

    /// The chat token the embedding page gave back in our address (`#chat=…`, never sent to a
    /// server), if any.
    pub fn embedded_token() -> Option<String> {
        let hash = window().location().hash().ok()?;
        let token = hash.strip_prefix("#chat=")?;
        (!token.is_empty() && token.chars().all(|c| c.is_ascii_alphanumeric())).then(|| token.to_string())
    }

    /// A parameter of the page's query string (`?group=Network`), decoded.
    pub fn query_param(name: &str) -> Option<String> {
        let search = window().location().search().ok()?;
        web_sys::UrlSearchParams::new_with_str(&search).ok()?.get(name)
    }

    /// `https://host:port` of a URL.
    fn origin_of(url: &str) -> Option<String> {
        let (scheme, rest) = url.split_once("://")?;
        let host = rest.split(['/', '?', '#']).next()?;
        (!host.is_empty()).then(|| format!("{scheme}://{host}"))
    }

    /// Reads the file chosen in the `<input type="file">` that fired `ev` as a `data:` URL
    /// and hands it to `done`: `Ok(None)` when the choice was cleared, `Err(())` when the file
    /// is larger than `max_bytes` (not read at all) or cannot be read.
    pub fn read_chosen_file(ev: &leptos::ev::Event, max_bytes: usize, done: impl FnOnce(Result<Option<String>, ()>) + 'static) {
        use wasm_bindgen::closure::Closure;
        use wasm_bindgen::JsCast;
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        let Some(file) = input.files().and_then(|files| files.get(0)) else { return done(Ok(None)) };
        if file.size() > max_bytes as f64 {
            return done(Err(()));
        }
        let Ok(reader) = web_sys::FileReader::new() else { return done(Err(())) };
        let read = reader.clone();
        // `loadend` comes after a load and after a failure alike.
        let loaded = Closure::once_into_js(move || done(read.result().ok().and_then(|v| v.as_string()).map(Some).ok_or(())));
        reader.set_onloadend(Some(loaded.unchecked_ref()));
        let _ = reader.read_as_data_url(&file);
    }

    /// Hours and minutes as the reader's locale writes them (`Intl.DateTimeFormat` with the
    /// browser's own locale, which may differ from the page's language: 14:05, 2:05 PM), in the
    /// browser's time zone.
    pub fn clock_time(ms: i64) -> String {
        thread_local! {
            static FORMAT: js_sys::Function = {
                let locales = js_sys::Array::new();
                let options = js_sys::Object::new();
                let _ = js_sys::Reflect::set(&options, &"hour".into(), &"2-digit".into());
                let _ = js_sys::Reflect::set(&options, &"minute".into(), &"2-digit".into());
                js_sys::Intl::DateTimeFormat::new(&locales, &options).format()
            };
        }
        let date = js_sys::Date::new(&JsValue::from_f64(ms as f64));
        FORMAT
            .with(|format| format.call1(&JsValue::NULL, &date).ok().and_then(|text| text.as_string()))
            .unwrap_or_else(|| format!("{:02}:{:02}", date.get_hours(), date.get_minutes()))
    }
}

#[cfg(not(feature = "hydrate"))]
mod imp {
    pub fn now_ms() -> i64 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
    }
    pub fn storage_get(_: &str) -> Option<String> {
        None
    }
    pub fn storage_set(_: &str, _: &str) {}
    pub fn storage_remove(_: &str) {}
    pub fn chime() {}
    pub fn notifications_permitted() -> bool {
        false
    }
    pub fn notifications_undecided() -> bool {
        false
    }
    pub fn request_notifications() {}
    pub fn notify(_: &str, _: &str) {}
    pub fn set_title(_: &str) {}
    pub fn tell_embedder(_: &str) {}
    pub fn hand_token_to_embedder(_: &str) {}
    pub fn embedded_token() -> Option<String> {
        None
    }
    /// Read in the browser only: the form applies it once the groups have loaded there.
    pub fn query_param(_: &str) -> Option<String> {
        None
    }
    pub fn read_chosen_file(_: &leptos::ev::Event, _: usize, _: impl FnOnce(Result<Option<String>, ()>) + 'static) {}
    /// UTC on the server; the browser re-renders in local time.
    pub fn clock_time(ms: i64) -> String {
        let minutes = ms / 60_000;
        format!("{:02}:{:02}", (minutes / 60) % 24, minutes % 60)
    }
}

pub use imp::*;

/// A signal holding "now", ticking every second in the browser (gloo-timers).
pub fn ticking_now() -> ReadSignal<i64> {
    let (now, set_now) = signal(0_i64);
    Effect::new(move |_| {
        set_now.set(now_ms());
        #[cfg(feature = "hydrate")]
        {
            let interval = gloo_timers::callback::Interval::new(1_000, move || set_now.set(now_ms()));
            let interval = send_wrapper::SendWrapper::new(interval);
            on_cleanup(move || drop(interval));
        }
    });
    now
}

/// `false` while the page is the server's HTML alone, `true` once the WASM runs it (effects run
/// only in the browser, after hydration). A form disables its submit button until then: the
/// browser would otherwise submit it itself — a reload that drops what was typed.
pub fn hydrated() -> ReadSignal<bool> {
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move |_| set_hydrated.set(true));
    hydrated
}

/// Runs `f` once after `ms` in the browser (gloo-timers); never on the server.
pub fn after(ms: u32, f: impl FnOnce() + 'static) {
    #[cfg(feature = "hydrate")]
    gloo_timers::callback::Timeout::new(ms, f).forget();
    #[cfg(not(feature = "hydrate"))]
    let _ = (ms, f);
}

/// "3 s", "4 min", "1 h 05 min".
pub fn waited(since_ms: i64, now_ms: i64) -> String {
    let seconds = ((now_ms - since_ms).max(0)) / 1000;
    match seconds {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min", s / 60),
        s => format!("{} h {:02} min", s / 3600, (s % 3600) / 60),
    }
}

pub fn new_client_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn waiting_times_read_naturally() {
        assert_eq!(super::waited(0, 5_000), "5 s");
        assert_eq!(super::waited(0, 125_000), "2 min");
        assert_eq!(super::waited(0, 3_900_000), "1 h 05 min");
        assert_eq!(super::waited(10_000, 0), "0 s");
    }
}
