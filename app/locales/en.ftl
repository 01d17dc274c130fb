# Deskchat's texts for end users (the widget) and the conversation's shared parts, in English.
# English is the reference: every other language's file has the same ids, and a missing one
# falls back to this file. Adding a language is adding one file named by its code (de.ftl).
#
# One shape is allowed besides plain text with { $arguments }: a whole message that is a
# select on a number, one full sentence per plural category (the browser's Intl.PluralRules
# chooses). `i18n::catalog` refuses anything else, so the page can carry resolved texts.

## The widget page

widget-title = Service desk chat
page-description = Live chat with the service desk: ask your question and an agent answers.
widget-loading = Loading…
widget-message-left-label = Your message
widget-message-left = Thank you. Your message is incident { $number }; an agent will get back to you by email.
widget-write-another = Write another message
widget-chat-lost = Your previous chat could not be found; please start a new one.

## The live link's status

link-connecting = Connecting…
link-live = Connected
link-reconnecting = Connection lost — reconnecting…

## The start form

form-heading = Chat with the service desk
form-name = Your name
form-email = Email
form-phone = Phone (optional)
form-location = Location
form-photo = Photo (optional)
form-photo-hint = PNG, JPEG, GIF or WebP, up to 128 KB. Only the agents helping you see it.
form-photo-alt = Your photo
form-photo-remove = Remove photo
form-group = Who should help you?
form-group-choose = Choose a group
form-question = Your question
form-ticket = Previous ticket ID (optional)
form-correct = { $count ->
    [one] Please correct 1 field.
   *[other] Please correct { $count } fields.
}
form-start = Start chat
form-leave-message = Leave a message
form-agent-online = An agent of { $group } is online now.
form-nobody-online-ask = Nobody in { $group } is online right now; you can still ask, and an agent will answer when one is back.
form-closed = { $group } is closed right now. Leave a message and an agent will get back to you by email.
form-nobody-online = Nobody in { $group } is online right now. Leave a message and an agent will get back to you by email.
form-wait-too-long = { $minutes ->
    [one] The wait in { $group } is about a minute right now. Leave a message and an agent will get back to you by email.
   *[other] The wait in { $group } is about { $minutes } minutes right now. Leave a message and an agent will get back to you by email.
}

## What is wrong with a field of the form (model::FieldProblem)

field-name-missing = Please tell us your name.
field-email-missing = Please give an email address so we can reach you.
field-email-invalid = That does not look like an email address (name@example.com).
field-phone-invalid = A phone number may hold digits, spaces and + - ( ) . / only.
field-location-missing = Please tell us where you are (office, city or site).
field-photo-invalid = A photo must be a PNG, JPEG, GIF or WebP image of at most 128 KB.
field-group-missing = Please choose who should help you.
field-group-invalid = That group does not exist (any more); please choose another.
field-question-missing = Please write your question.
field-ticket-invalid = A ticket ID holds letters, digits and dashes only (e.g. IM10042).
field-too-long = This can be at most { $max } characters.
field-unprintable = This may not contain control or text-direction characters.

## The chat

chat-label = Your chat
chat-waiting = Waiting for an agent of { $group }…
chat-place = You are number { $place } in the queue.
chat-wait = { $minutes ->
    [one] The wait is about a minute.
   *[other] The wait is about { $minutes } minutes.
}
chat-also-helping = Also helping: { $names }
chat-missed-ticket = No agent was free to take your chat in time. We logged your question as ticket { $number }; the desk will get back to you.
chat-missed = No agent was free to take your chat in time. Please start a new chat, or try again later.
chat-ended-by-agent = The agent ended this chat.
chat-ended-by-you = You ended this chat.
chat-ended = This chat has ended.
chat-record = Chat request { $number }
chat-your-question = Your question:
chat-new = Start a new chat
chat-message = Message
chat-end = End chat

survey-question = How was this chat?
survey-score-1 = 1 – Very poor
survey-score-2 = 2 – Poor
survey-score-3 = 3 – Okay
survey-score-4 = 4 – Good
survey-score-5 = 5 – Very good
survey-comment = Comment (optional)
survey-send = Send rating
survey-pick = Please choose a rating from 1 to 5.
survey-thanks = Thank you! You rated this chat { $score } out of 5.

## The conversation (shared with the agents' console)

conversation-label = Conversation
composer-placeholder = Type a message — Enter to send, Shift+Enter for a new line
composer-placeholder-canned = Type a message — Enter to send, Shift+Enter for a new line, / for canned messages
composer-canned-label = Canned messages
composer-send = Send
message-sending = Sending…
message-not-sent = Not sent: { $reason }
message-resend-label = Resend message
message-resend = Resend
typing = { $name } is typing…
avatar-photo = Photo of { $name }
avatar-initials = { $name } (no photo)

## The lines the desk writes into the conversation (stored with their arguments, shown in the
## reader's language; agents and records read them in English)

desk-joined = { $agent } joined the chat.
desk-left = { $agent } left the chat.
desk-transferred-to-agent = { $from } transferred the chat to { $to } ({ $group }).
desk-transferred-to-queue = { $from } transferred the chat to the { $group } queue.

## Why something did not work (error::ApiError, as an end user can meet it)

error-message-empty = A message cannot be empty.
error-message-too-long = A message can be at most { $max } characters (this one has { $length }).
error-message-unprintable = A message may not contain control or text-direction characters.
error-no-such-chat = This chat could not be found.
error-chat-ended = This chat has already ended.
error-not-now = That is not possible in this chat's current state.
error-rate-limited = { $seconds ->
    [one] Too many attempts from here. Please wait a second and try again.
   *[other] Too many attempts from here. Please wait { $seconds } seconds and try again.
}
error-waiting-cap = You have sent { $cap } messages while waiting. An agent will read them all when they answer; please wait for them before sending more.
error-too-many-connections = Too many open connections. Close another chat tab or window and try again.
error-chat-closed = This chat has ended and is closed. Start a new chat if you need more help.
error-restarting = The server is restarting; reconnecting…
error-unavailable = The server could not save this; please try again.
error-unreachable = The server could not be reached; check your connection.
error-too-large = The request is too large: at most { $kib } KiB are accepted.
error-form = Please correct the form.
error-other = Something went wrong: { $detail }
error-unexpected = Something went wrong. Please try again.

## Transcripts by email (issue 18): the widget's button and what it says after, then the email.
transcript-email = Email me the transcript
transcript-queued = The transcript will be emailed to { $address }.
mail-transcript-subject = Transcript of your chat { $number }
mail-transcript-intro = Hello { $name }, here is the transcript of your chat with { $group }, as you asked.
mail-transcript-question = Question
mail-transcript-started = Started
mail-transcript-you = You
mail-transcript-desk = Service desk
mail-transcript-times = Times are in UTC.
