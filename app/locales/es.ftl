# Textos de Deskchat para los usuarios finales (el widget) y las partes compartidas de la conversación: la traducción al español.
# La referencia es en.ftl (inglés): este archivo tiene los mismos identificadores, y uno que falte se toma de en.ftl.
#
# Además del texto simple con { $arguments }, solo se admite una forma: un mensaje entero que es una
# selección sobre un número, una frase completa por categoría de plural (la elige Intl.PluralRules del
# navegador). `i18n::catalog` rechaza todo lo demás, para que la página pueda llevar textos resueltos.

## La página del widget

widget-title = Chat de asistencia
page-description = Chat en directo con el servicio de asistencia: haga su pregunta y un agente le responde.
widget-loading = Cargando…
widget-message-left-label = Su mensaje
widget-message-left = Gracias. Su mensaje se ha registrado como incidente { $number }; un agente le responderá por correo electrónico.
widget-write-another = Escribir otro mensaje
widget-chat-lost = No se ha encontrado su chat anterior; inicie uno nuevo.

## El estado de la conexión en directo

link-connecting = Conectando…
link-live = Conectado
link-reconnecting = Conexión perdida — reconectando…

## El formulario de inicio

form-heading = Chat con el servicio de asistencia
form-name = Su nombre
form-email = Correo electrónico
form-phone = Teléfono (opcional)
form-location = Ubicación
form-photo = Foto (opcional)
form-photo-hint = PNG, JPEG, GIF o WebP, hasta 128 KB. Solo la ven los agentes que le atienden.
form-photo-alt = Su foto
form-photo-remove = Quitar foto
form-group = ¿Quién debe ayudarle?
form-group-choose = Elija un grupo
form-question = Su consulta
form-ticket = ID del ticket anterior (opcional)
form-correct = { $count ->
    [one] Corrija 1 campo, por favor.
   *[other] Corrija { $count } campos, por favor.
}
form-start = Iniciar chat
form-leave-message = Dejar un mensaje
form-agent-online = Hay un agente del grupo { $group } en línea.
form-nobody-online-ask = Ahora mismo no hay nadie del grupo { $group } en línea; puede enviar su consulta igualmente y un agente le responderá en cuanto vuelva a haber alguien disponible.
form-closed = El grupo { $group } está cerrado en este momento. Deje un mensaje y un agente le responderá por correo electrónico.
form-nobody-online = Ahora mismo no hay nadie del grupo { $group } en línea. Deje un mensaje y un agente le responderá por correo electrónico.
form-wait-too-long = { $minutes ->
    [one] El tiempo de espera en el grupo { $group } es ahora de un minuto aproximadamente. Deje un mensaje y un agente le responderá por correo electrónico.
   *[other] El tiempo de espera en el grupo { $group } es ahora de unos { $minutes } minutos. Deje un mensaje y un agente le responderá por correo electrónico.
}

## Qué falla en un campo del formulario (model::FieldProblem)

field-name-missing = Indíquenos su nombre.
field-email-missing = Indique una dirección de correo electrónico para que podamos contactar con usted.
field-email-invalid = Esto no parece una dirección de correo electrónico (name@example.com).
field-phone-invalid = Solo se admiten dígitos, espacios y los caracteres + - ( ) . / en un número de teléfono.
field-location-missing = Indíquenos dónde se encuentra (oficina, ciudad o sede).
field-photo-invalid = La foto debe ser una imagen PNG, JPEG, GIF o WebP de 128 KB como máximo.
field-group-missing = Elija quién debe ayudarle.
field-group-invalid = Ese grupo no existe (o ya no existe); elija otro.
field-question-missing = Escriba su consulta.
field-ticket-invalid = Un ID de ticket solo contiene letras, dígitos y guiones (p. ej., IM10042).
field-too-long = Este campo admite como máximo { $max } caracteres.
field-unprintable = Este campo no puede contener caracteres de control ni de dirección del texto.

## El chat

chat-label = Su chat
chat-waiting = Esperando a un agente del grupo { $group }…
chat-place = Ocupa el puesto { $place } en la cola.
chat-wait = { $minutes ->
    [one] El tiempo de espera es de un minuto aproximadamente.
   *[other] El tiempo de espera es de unos { $minutes } minutos.
}
chat-also-helping = También en el chat: { $names }
chat-missed-ticket = Ningún agente ha podido atender su chat a tiempo. Hemos registrado su consulta como ticket { $number }; el servicio de asistencia se pondrá en contacto con usted.
chat-missed = Ningún agente ha podido atender su chat a tiempo. Inicie un nuevo chat o vuelva a intentarlo más tarde.
chat-ended-by-agent = El agente ha finalizado este chat.
chat-ended-by-you = Ha finalizado este chat.
chat-ended = Este chat ha finalizado.
chat-record = Solicitud de chat { $number }
chat-your-question = Su consulta:
chat-new = Iniciar un nuevo chat
chat-message = Mensaje
chat-end = Finalizar chat

survey-question = ¿Qué tal ha ido este chat?
survey-score-1 = 1 – Muy mal
survey-score-2 = 2 – Mal
survey-score-3 = 3 – Regular
survey-score-4 = 4 – Bien
survey-score-5 = 5 – Muy bien
survey-comment = Comentario (opcional)
survey-send = Enviar valoración
survey-pick = Elija una valoración del 1 al 5.
survey-thanks = ¡Gracias! Ha valorado este chat con { $score } de 5.

## La conversación (compartida con la consola de los agentes)

conversation-label = Conversación
composer-placeholder = Escriba un mensaje — Intro para enviar, Mayús+Intro para una nueva línea
composer-placeholder-canned = Escriba un mensaje — Intro para enviar, Mayús+Intro para una nueva línea, / para respuestas predefinidas
composer-canned-label = Respuestas predefinidas
composer-send = Enviar
message-sending = Enviando…
message-not-sent = No enviado: { $reason }
message-resend-label = Reenviar mensaje
message-resend = Reenviar
typing = { $name } está escribiendo…
avatar-photo = Foto de { $name }
avatar-initials = { $name } (sin foto)

## Las líneas que el servicio escribe en la conversación (guardadas con sus argumentos, mostradas en el
## idioma del lector; los agentes y los registros las leen en inglés)

desk-joined = { $agent } se ha unido al chat.
desk-left = { $agent } ha salido del chat.
desk-transferred-to-agent = { $from } ha transferido el chat a { $to } ({ $group }).
desk-transferred-to-queue = { $from } ha transferido el chat a la cola del grupo { $group }.

## Por qué algo no ha funcionado (error::ApiError, tal como puede encontrarlo un usuario final)

error-message-empty = El mensaje no puede estar vacío.
error-message-too-long = Un mensaje puede tener como máximo { $max } caracteres (este tiene { $length }).
error-message-unprintable = Un mensaje no puede contener caracteres de control ni de dirección del texto.
error-no-such-chat = No se ha encontrado este chat.
error-chat-ended = Este chat ya ha finalizado.
error-not-now = Esto no es posible en el estado actual de este chat.
error-rate-limited = { $seconds ->
    [one] Demasiados intentos desde su conexión. Espere un segundo y vuelva a intentarlo.
   *[other] Demasiados intentos desde su conexión. Espere { $seconds } segundos y vuelva a intentarlo.
}
error-waiting-cap = Ha enviado { $cap } mensajes mientras esperaba. El agente que le atienda los leerá todos; espere su respuesta antes de enviar más.
error-too-many-connections = Demasiadas conexiones abiertas. Cierre otra pestaña o ventana de chat y vuelva a intentarlo.
error-chat-closed = Este chat ha finalizado y está cerrado. Inicie un nuevo chat si necesita más ayuda.
error-restarting = El servidor se está reiniciando; reconectando…
error-unavailable = El servidor no ha podido guardar los datos; vuelva a intentarlo.
error-unreachable = No se ha podido conectar con el servidor; compruebe su conexión.
error-too-large = Los datos enviados son demasiado grandes: se aceptan como máximo { $kib } KiB.
error-form = Corrija los errores del formulario.
error-other = Se ha producido un error: { $detail }
error-unexpected = Algo ha salido mal. Vuelva a intentarlo.

## Transcripts by email (issue 18): the widget's button and what it says after, then the email.
transcript-email = Enviarme la transcripción por correo
transcript-queued = La transcripción se enviará a { $address }.
mail-transcript-subject = Transcripción de su chat { $number }
mail-transcript-intro = Hola { $name }, aquí tiene la transcripción de su chat con { $group }, como pidió.
mail-transcript-question = Pregunta
mail-transcript-started = Inicio
mail-transcript-you = Usted
mail-transcript-desk = Mesa de servicio
mail-transcript-times = Las horas están en UTC.
