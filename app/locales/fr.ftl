# Textes de Deskchat pour les utilisateurs finaux (le widget) et les parties communes de la conversation : la traduction française.
# La référence est en.ftl (anglais) : ce fichier a les mêmes identifiants, et un identifiant manquant se rabat sur en.ftl.
#
# Une seule forme est admise en plus du texte simple avec { $arguments } : un message entier qui est une
# sélection sur un nombre, une phrase complète par catégorie de pluriel (Intl.PluralRules du navigateur
# choisit). `i18n::catalog` refuse tout le reste, afin que la page puisse contenir des textes résolus.

## La page du widget

widget-title = Chat d’assistance
page-description = Chat en direct avec le service d’assistance : posez votre question, un agent vous répond.
widget-loading = Chargement…
widget-message-left-label = Votre message
widget-message-left = Merci. Votre message a été enregistré comme incident { $number } ; un agent vous répondra par e-mail.
widget-write-another = Écrire un autre message
widget-chat-lost = Votre chat précédent est introuvable ; veuillez en démarrer un nouveau.

## L’état de la connexion en direct

link-connecting = Connexion en cours…
link-live = Connecté
link-reconnecting = Connexion perdue — reconnexion…

## Le formulaire de démarrage

form-heading = Discuter avec le service d’assistance
form-name = Votre nom
form-email = E-mail
form-phone = Téléphone (facultatif)
form-location = Lieu
form-photo = Photo (facultative)
form-photo-hint = PNG, JPEG, GIF ou WebP, jusqu’à 128 KB. Seuls les agents qui vous aident peuvent la voir.
form-photo-alt = Votre photo
form-photo-remove = Supprimer la photo
form-group = Qui doit vous aider ?
form-group-choose = Choisissez un groupe
form-question = Votre question
form-ticket = N° du ticket précédent (facultatif)
form-correct = { $count ->
    [one] Veuillez corriger { $count } champ.
   *[other] Veuillez corriger { $count } champs.
}
form-start = Démarrer le chat
form-leave-message = Laisser un message
form-agent-online = Un agent du groupe { $group } est en ligne.
form-nobody-online-ask = Personne n’est en ligne dans le groupe { $group } pour le moment ; vous pouvez tout de même poser votre question, un agent y répondra dès son retour.
form-closed = Le groupe { $group } est fermé pour le moment. Laissez un message et un agent vous répondra par e-mail.
form-nobody-online = Personne n’est en ligne dans le groupe { $group } pour le moment. Laissez un message et un agent vous répondra par e-mail.
form-wait-too-long = { $minutes ->
    [one] Le temps d’attente pour le groupe { $group } est actuellement d’environ une minute. Laissez un message et un agent vous répondra par e-mail.
   *[other] Le temps d’attente pour le groupe { $group } est actuellement d’environ { $minutes } minutes. Laissez un message et un agent vous répondra par e-mail.
}

## Ce qui ne va pas dans un champ du formulaire (model::FieldProblem)

field-name-missing = Veuillez indiquer votre nom.
field-email-missing = Veuillez indiquer une adresse e-mail pour que nous puissions vous joindre.
field-email-invalid = Cela ne ressemble pas à une adresse e-mail (name@example.com).
field-phone-invalid = Seuls les chiffres, les espaces et les caractères + - ( ) . / sont autorisés dans un numéro de téléphone.
field-location-missing = Veuillez indiquer où vous vous trouvez (bureau, ville ou site).
field-photo-invalid = La photo doit être une image PNG, JPEG, GIF ou WebP de 128 KB maximum.
field-group-missing = Veuillez choisir qui doit vous aider.
field-group-invalid = Ce groupe n’existe pas (ou plus) ; veuillez en choisir un autre.
field-question-missing = Veuillez saisir votre question.
field-ticket-invalid = Un numéro de ticket ne contient que des lettres, des chiffres et des tirets (p. ex. IM10042).
field-too-long = Ce champ est limité à { $max } caractères.
field-unprintable = Ce champ ne doit pas contenir de caractères de contrôle ni de direction du texte.

## Le chat

chat-label = Votre chat
chat-waiting = En attente d’un agent du groupe { $group }…
chat-place = Vous êtes en position { $place } dans la file d’attente.
chat-wait = { $minutes ->
    [one] Le temps d’attente est d’environ une minute.
   *[other] Le temps d’attente est d’environ { $minutes } minutes.
}
chat-also-helping = Également dans le chat : { $names }
chat-missed-ticket = Aucun agent n’a pu prendre votre chat à temps. Nous avons enregistré votre question sous le ticket { $number } ; le service d’assistance reviendra vers vous.
chat-missed = Aucun agent n’a pu prendre votre chat à temps. Veuillez démarrer un nouveau chat ou réessayer plus tard.
chat-ended-by-agent = L’agent a mis fin à ce chat.
chat-ended-by-you = Vous avez mis fin à ce chat.
chat-ended = Ce chat est terminé.
chat-record = Demande de chat { $number }
chat-your-question = Votre question :
chat-new = Démarrer un nouveau chat
chat-message = Message
chat-end = Terminer le chat

survey-question = Comment s’est passé ce chat ?
survey-score-1 = 1 – Très mauvais
survey-score-2 = 2 – Mauvais
survey-score-3 = 3 – Correct
survey-score-4 = 4 – Bien
survey-score-5 = 5 – Très bien
survey-comment = Commentaire (facultatif)
survey-send = Envoyer la note
survey-pick = Veuillez choisir une note de 1 à 5.
survey-thanks = Merci ! Vous avez noté ce chat { $score } sur 5.

## La conversation (commune avec la console des agents)

conversation-label = Conversation
composer-placeholder = Saisissez un message — Entrée pour envoyer, Maj+Entrée pour aller à la ligne
composer-placeholder-canned = Saisissez un message — Entrée pour envoyer, Maj+Entrée pour aller à la ligne, / pour les réponses prédéfinies
composer-canned-label = Réponses prédéfinies
composer-send = Envoyer
message-sending = Envoi en cours…
message-not-sent = Non envoyé : { $reason }
message-resend-label = Renvoyer le message
message-resend = Renvoyer
typing = { $name } est en train d’écrire…
avatar-photo = Photo de { $name }
avatar-initials = { $name } (pas de photo)

## Les lignes que le service écrit dans la conversation (enregistrées avec leurs arguments, affichées
## dans la langue du lecteur ; les agents et les historiques les lisent en anglais)

desk-joined = { $agent } a rejoint le chat.
desk-left = { $agent } a quitté le chat.
desk-transferred-to-agent = { $from } a transféré le chat à { $to } ({ $group }).
desk-transferred-to-queue = { $from } a transféré le chat vers la file d’attente du groupe { $group }.

## Pourquoi quelque chose n’a pas fonctionné (error::ApiError, tel qu’un utilisateur final peut le rencontrer)

error-message-empty = Un message ne peut pas être vide.
error-message-too-long = Un message ne peut pas dépasser { $max } caractères (celui-ci en compte { $length }).
error-message-unprintable = Un message ne doit pas contenir de caractères de contrôle ni de direction du texte.
error-no-such-chat = Ce chat est introuvable.
error-chat-ended = Ce chat est déjà terminé.
error-not-now = Cette action n’est pas possible dans l’état actuel de ce chat.
error-rate-limited = { $seconds ->
    [one] Trop de tentatives depuis votre connexion. Veuillez patienter une seconde, puis réessayer.
   *[other] Trop de tentatives depuis votre connexion. Veuillez patienter { $seconds } secondes, puis réessayer.
}
error-waiting-cap = Vous avez envoyé { $cap } messages pendant l’attente. L’agent qui vous répondra les lira tous ; veuillez attendre sa réponse avant d’en envoyer d’autres.
error-too-many-connections = Trop de connexions ouvertes. Fermez un autre onglet ou une autre fenêtre de chat, puis réessayez.
error-chat-closed = Ce chat est terminé et fermé. Démarrez un nouveau chat si vous avez encore besoin d’aide.
error-restarting = Le serveur redémarre ; reconnexion…
error-unavailable = Le serveur n’a pas pu effectuer l’enregistrement ; veuillez réessayer.
error-unreachable = Impossible de joindre le serveur ; vérifiez votre connexion.
error-too-large = Les données envoyées sont trop volumineuses : { $kib } KiB maximum.
error-form = Veuillez corriger le formulaire.
error-other = Une erreur s’est produite : { $detail }
error-unexpected = Une erreur s’est produite. Veuillez réessayer.

## Transcripts by email (issue 18): the widget's button and what it says after, then the email.
transcript-email = M’envoyer la transcription par e-mail
transcript-queued = La transcription sera envoyée à { $address }.
mail-transcript-subject = Transcription de votre chat { $number }
mail-transcript-intro = Bonjour { $name }, voici la transcription de votre chat avec { $group }, comme demandé.
mail-transcript-question = Question
mail-transcript-started = Début
mail-transcript-you = Vous
mail-transcript-desk = Service d’assistance
mail-transcript-times = Les heures sont en UTC.
