# Deskchat-Texte für Endnutzer (das Widget) und die gemeinsamen Teile der Unterhaltung: die deutsche Übersetzung.
# Referenz ist en.ftl (Englisch): Diese Datei hat dieselben IDs, und eine fehlende ID fällt auf en.ftl zurück.
#
# Neben reinem Text mit { $arguments } ist nur eine Form erlaubt: eine ganze Nachricht als Auswahl
# über eine Zahl, ein vollständiger Satz je Pluralkategorie (Intl.PluralRules des Browsers wählt).
# `i18n::catalog` lehnt alles andere ab, damit die Seite aufgelöste Texte enthalten kann.

## Die Widget-Seite

widget-title = Servicedesk-Chat
page-description = Live-Chat mit dem Service Desk: Stellen Sie Ihre Frage, ein Mitarbeiter antwortet.
widget-loading = Wird geladen…
widget-message-left-label = Ihre Nachricht
widget-message-left = Vielen Dank. Ihre Nachricht wurde als Incident { $number } erfasst; ein Mitarbeiter meldet sich per E-Mail bei Ihnen.
widget-write-another = Weitere Nachricht schreiben
widget-chat-lost = Ihr vorheriger Chat wurde nicht gefunden. Bitte starten Sie einen neuen.

## Status der Live-Verbindung

link-connecting = Verbindung wird hergestellt…
link-live = Verbunden
link-reconnecting = Verbindung unterbrochen — wird wiederhergestellt…

## Das Startformular

form-heading = Chat mit dem Servicedesk
form-name = Ihr Name
form-email = E-Mail
form-phone = Telefon (optional)
form-location = Standort
form-photo = Foto (optional)
form-photo-hint = PNG, JPEG, GIF oder WebP, bis 128 KB. Nur die Mitarbeiter, die Ihnen helfen, sehen es.
form-photo-alt = Ihr Foto
form-photo-remove = Foto entfernen
form-group = Wer soll Ihnen helfen?
form-group-choose = Gruppe auswählen
form-question = Ihre Frage
form-ticket = Frühere Ticket-ID (optional)
form-correct = { $count ->
    [one] Bitte korrigieren Sie 1 Feld.
   *[other] Bitte korrigieren Sie { $count } Felder.
}
form-start = Chat starten
form-leave-message = Nachricht hinterlassen
form-agent-online = Ein Mitarbeiter der Gruppe { $group } ist jetzt online.
form-nobody-online-ask = In der Gruppe { $group } ist gerade niemand online. Sie können Ihre Frage trotzdem stellen; ein Mitarbeiter antwortet, sobald wieder jemand da ist.
form-closed = Die Gruppe { $group } hat gerade geschlossen. Hinterlassen Sie eine Nachricht, und ein Mitarbeiter meldet sich per E-Mail bei Ihnen.
form-nobody-online = In der Gruppe { $group } ist gerade niemand online. Hinterlassen Sie eine Nachricht, und ein Mitarbeiter meldet sich per E-Mail bei Ihnen.
form-wait-too-long = { $minutes ->
    [one] Die Wartezeit in der Gruppe { $group } beträgt derzeit etwa eine Minute. Hinterlassen Sie eine Nachricht, und ein Mitarbeiter meldet sich per E-Mail bei Ihnen.
   *[other] Die Wartezeit in der Gruppe { $group } beträgt derzeit etwa { $minutes } Minuten. Hinterlassen Sie eine Nachricht, und ein Mitarbeiter meldet sich per E-Mail bei Ihnen.
}

## Was an einem Formularfeld nicht stimmt (model::FieldProblem)

field-name-missing = Bitte geben Sie Ihren Namen an.
field-email-missing = Bitte geben Sie eine E-Mail-Adresse an, damit wir Sie erreichen können.
field-email-invalid = Das sieht nicht wie eine E-Mail-Adresse aus (name@example.com).
field-phone-invalid = Eine Telefonnummer darf nur Ziffern, Leerzeichen und + - ( ) . / enthalten.
field-location-missing = Bitte geben Sie an, wo Sie sich befinden (Büro, Stadt oder Standort).
field-photo-invalid = Ein Foto muss ein PNG-, JPEG-, GIF- oder WebP-Bild mit höchstens 128 KB sein.
field-group-missing = Bitte wählen Sie aus, wer Ihnen helfen soll.
field-group-invalid = Diese Gruppe gibt es nicht (mehr); bitte wählen Sie eine andere.
field-question-missing = Bitte schreiben Sie Ihre Frage.
field-ticket-invalid = Eine Ticket-ID enthält nur Buchstaben, Ziffern und Bindestriche (z. B. IM10042).
field-too-long = Hier sind höchstens { $max } Zeichen erlaubt.
field-unprintable = Dies darf keine Steuer- oder Textrichtungszeichen enthalten.

## Der Chat

chat-label = Ihr Chat
chat-waiting = Warten auf einen Mitarbeiter der Gruppe { $group }…
chat-place = Sie sind auf Platz { $place } in der Warteschlange.
chat-wait = { $minutes ->
    [one] Die Wartezeit beträgt etwa eine Minute.
   *[other] Die Wartezeit beträgt etwa { $minutes } Minuten.
}
chat-also-helping = Ebenfalls beteiligt: { $names }
chat-missed-ticket = Leider war kein Mitarbeiter rechtzeitig frei, um Ihren Chat anzunehmen. Wir haben Ihre Frage als Ticket { $number } erfasst; der Servicedesk meldet sich bei Ihnen.
chat-missed = Leider war kein Mitarbeiter rechtzeitig frei, um Ihren Chat anzunehmen. Bitte starten Sie einen neuen Chat oder versuchen Sie es später erneut.
chat-ended-by-agent = Der Mitarbeiter hat diesen Chat beendet.
chat-ended-by-you = Sie haben diesen Chat beendet.
chat-ended = Dieser Chat wurde beendet.
chat-record = Chat-Anfrage { $number }
chat-your-question = Ihre Frage:
chat-new = Neuen Chat starten
chat-message = Nachricht
chat-end = Chat beenden

survey-question = Wie war dieser Chat?
survey-score-1 = 1 – Sehr schlecht
survey-score-2 = 2 – Schlecht
survey-score-3 = 3 – In Ordnung
survey-score-4 = 4 – Gut
survey-score-5 = 5 – Sehr gut
survey-comment = Kommentar (optional)
survey-send = Bewertung senden
survey-pick = Bitte wählen Sie eine Bewertung von 1 bis 5.
survey-thanks = Vielen Dank! Sie haben diesen Chat mit { $score } von 5 bewertet.

## Die Unterhaltung (gemeinsam mit der Konsole der Mitarbeiter)

conversation-label = Unterhaltung
composer-placeholder = Nachricht eingeben — Eingabe zum Senden, Umschalt+Eingabe für eine neue Zeile
composer-placeholder-canned = Nachricht eingeben — Eingabe zum Senden, Umschalt+Eingabe für eine neue Zeile, / für Textbausteine
composer-canned-label = Textbausteine
composer-send = Senden
message-sending = Wird gesendet…
message-not-sent = Nicht gesendet: { $reason }
message-resend-label = Nachricht erneut senden
message-resend = Erneut senden
typing = { $name } schreibt…
avatar-photo = Foto von { $name }
avatar-initials = { $name } (kein Foto)

## Die Zeilen, die der Desk in die Unterhaltung schreibt (mit ihren Argumenten gespeichert, in der
## Sprache des Lesers angezeigt; Mitarbeiter und Protokolle lesen sie auf Englisch)

desk-joined = { $agent } ist dem Chat beigetreten.
desk-left = { $agent } hat den Chat verlassen.
desk-transferred-to-agent = { $from } hat den Chat an { $to } ({ $group }) weitergeleitet.
desk-transferred-to-queue = { $from } hat den Chat in die Warteschlange der Gruppe { $group } weitergeleitet.

## Warum etwas nicht funktioniert hat (error::ApiError, soweit Endnutzer darauf stoßen können)

error-message-empty = Eine Nachricht darf nicht leer sein.
error-message-too-long = Eine Nachricht darf höchstens { $max } Zeichen lang sein (diese hat { $length }).
error-message-unprintable = Eine Nachricht darf keine Steuer- oder Textrichtungszeichen enthalten.
error-no-such-chat = Dieser Chat wurde nicht gefunden.
error-chat-ended = Dieser Chat ist bereits beendet.
error-not-now = Das ist im aktuellen Zustand dieses Chats nicht möglich.
error-rate-limited = { $seconds ->
    [one] Zu viele Versuche von Ihrer Verbindung aus. Bitte warten Sie eine Sekunde und versuchen Sie es dann erneut.
   *[other] Zu viele Versuche von Ihrer Verbindung aus. Bitte warten Sie { $seconds } Sekunden und versuchen Sie es dann erneut.
}
error-waiting-cap = Sie haben während der Wartezeit { $cap } Nachrichten gesendet. Sie werden alle gelesen, sobald jemand vom Team antwortet; bitte warten Sie die Antwort ab, bevor Sie weitere senden.
error-too-many-connections = Zu viele offene Verbindungen. Schließen Sie einen anderen Chat-Tab oder ein anderes Chat-Fenster und versuchen Sie es erneut.
error-chat-closed = Dieser Chat ist beendet und geschlossen. Starten Sie einen neuen Chat, wenn Sie weitere Hilfe benötigen.
error-restarting = Der Server wird neu gestartet; Verbindung wird wiederhergestellt…
error-unavailable = Der Server konnte dies nicht speichern; bitte versuchen Sie es erneut.
error-unreachable = Der Server ist nicht erreichbar; bitte prüfen Sie Ihre Verbindung.
error-too-large = Die gesendeten Daten sind zu groß: Es werden höchstens { $kib } KiB angenommen.
error-form = Bitte korrigieren Sie Ihre Angaben im Formular.
error-other = Ein Fehler ist aufgetreten: { $detail }
error-unexpected = Etwas ist schiefgelaufen. Bitte versuchen Sie es erneut.

## Transcripts by email (issue 18): the widget's button and what it says after, then the email.
transcript-email = Verlauf per E-Mail senden
transcript-queued = Der Verlauf wird an { $address } gesendet.
mail-transcript-subject = Verlauf Ihres Chats { $number }
mail-transcript-intro = Hallo { $name }, hier ist wie gewünscht der Verlauf Ihres Chats mit { $group }.
mail-transcript-question = Frage
mail-transcript-started = Beginn
mail-transcript-you = Sie
mail-transcript-desk = Service Desk
mail-transcript-times = Zeiten in UTC.
