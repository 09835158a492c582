"""The demo's surveys, in English, Spanish and Arabic, in the demo consultation (`baraza demo`).

- "You and your data", published, answered by a few hundred young people of the demo's two
  contexts (Bogotá in Spanish and English, Zaatari in Arabic and English), each joined through
  the core's join use case and answering through the same use case a phone's screens go through
  (consent checked, screened, audited). What they wrote is generated here from templates and
  fillers written for the demo, so the insights pipeline has several hundred varied remarks in
  three languages to read: a few carry a phone number, a name, an e-mail or a school (screening
  masks them), and one reads as a disclosure of harm (the safeguarding queue holds it for the
  data protection focal point, through the survey's normal path).
- "Rate the commitment", a youth scorecard about a stakeholder's commitment, made once the
  tracker's demo has commitments (`seed_demo_scorecard` runs after every app's seeder: its
  `demo_order` is 1). It picks the commitment through the core's record kinds, never an import.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from baraza.accounts.auth import actor_for_user
from baraza.accounts.models import Context, ThrottleEvent
from baraza.accounts.roles import ANONYMOUS
from baraza.audit.services import record_audit
from baraza.consultations.models import Consultation
from baraza.db import registry_of, utcnow
from baraza.participation.models import Participant
from baraza.settings import Settings
from surveys.definition import Choice, Definition, Group, Question, validated
from surveys.models import Survey, SurveyStatus

# Young people who join the demo here, on top of the consultation's own few: (context name,
# language, how many). Enough for several hundred remarks, few enough to seed in seconds.
DEMO_JOINERS: tuple[tuple[str, str, int], ...] = (
    ("Bogotá youth centres", "es", 60),
    ("Bogotá youth centres", "en", 18),
    ("Zaatari camp", "ar", 48),
    ("Zaatari camp", "en", 16),
)
# Bands each context's joiners give (Zaatari's age of consent is 18: adults only here, so no
# guardian's consent is waiting; Bogotá's is 14).
DEMO_BANDS = {"Bogotá youth centres": ("15-17", "18-20", "21-24"), "Zaatari camp": ("18-20", "21-24")}

# -- What the demo's participants write: templates x fillers, invented for the demo ----------------
#
# Topics young people raise about data kept about them. Each template's {slots} take fillers of
# the same language; a topic is weighted per context (biometrics and aid registration in the
# camp, school records and apps in Bogotá), so contexts differ the way real ones do.

BANK: dict[str, dict[str, dict[str, Any]]] = {
    "consent": {
        "en": {
            "t": [
                "{who} should ask us before sharing our {record} with {other}.{end}",
                "Nobody asked me before my {record} went to {other}.{end}",
                "Ask young people first, then share our {record} with {other} only if we say yes.{end}",
                "I found out {other} had my {record} and no one told me.{end}",
            ],
            "who": ["schools", "the ministry", "clinics", "organisations", "the youth centre"],
            "record": ["school records", "grades", "health records", "attendance records", "family details"],
            "other": ["the ministry", "other schools", "companies", "the municipality", "researchers"],
            "end": ["", " It should be our choice.", " That is not fair.", " We deserve to know.", " Consent has to mean something."],
        },
        "es": {
            "t": [
                "{who} deberían preguntarnos antes de compartir nuestros {record} con {other}.{end}",
                "Nadie me preguntó antes de que mis {record} llegaran a {other}.{end}",
                "Que pregunten primero a los jóvenes y solo compartan nuestros {record} con {other} si decimos que sí.{end}",
                "Me enteré de que {other} tenía mis {record} y nadie me avisó.{end}",
            ],
            "who": ["los colegios", "el ministerio", "los centros de salud", "las organizaciones", "el centro juvenil"],
            "record": ["registros escolares", "datos de notas", "datos de salud", "registros de asistencia", "datos de mi familia"],
            "other": ["el ministerio", "otros colegios", "empresas", "la alcaldía", "investigadores"],
            "end": ["", " Debería ser nuestra decisión.", " Eso no es justo.", " Tenemos derecho a saber.", " El consentimiento tiene que valer."],
        },
        "ar": {
            "t": [
                "يجب أن {who} قبل مشاركة {record} مع {other}.{end}",
                "لم يسألني أحد قبل أن تصل {record} إلى {other}.{end}",
                "اسألوا الشباب أولًا، ولا تشاركوا {record} مع {other} إلا إذا وافقنا.{end}",
                "عرفت أن {other} لديها {record} ولم يخبرني أحد.{end}",
            ],
            "who": ["تسألنا المدرسة", "تسألنا المنظمات", "تسألنا العيادة", "يسألنا المركز", "تسألنا الجهات"],
            "record": ["سجلاتنا المدرسية", "علاماتنا", "معلوماتنا الصحية", "معلومات عائلتي", "بيانات الحضور"],
            "other": ["الوزارة", "مدارس أخرى", "الشركات", "منظمات أخرى", "الباحثين"],
            "end": ["", " يجب أن يكون هذا قرارنا.", " هذا ليس عدلًا.", " من حقنا أن نعرف.", " الموافقة يجب أن تعني شيئًا."],
        },
    },
    "location": {
        "en": {
            "t": [
                "{app} know where I am all the time, even when the {setting} is off.{end}",
                "Why does a {app_one} need my location? {end}",
                "Phone location should be off by default for young people.{end}",
                "I turned off location but {app} still show ads for shops near my {place}.{end}",
            ],
            "app": ["apps", "games on my phone", "social media apps", "phone companies", "map apps"],
            "app_one": ["game", "flashlight app", "music app", "school app", "chat app"],
            "setting": ["location", "GPS", "phone"],
            "place": ["house", "school", "neighbourhood", "street"],
            "end": ["", " It feels like being followed.", " Nobody explains it.", " Ask us first.", " It is creepy."],
        },
        "es": {
            "t": [
                "{app} saben dónde estoy todo el tiempo, aunque tenga la {setting} apagada.{end}",
                "¿Para qué necesita mi ubicación un {app_one}? {end}",
                "La ubicación del celular debería estar apagada por defecto para los jóvenes.{end}",
                "Apagué la ubicación y {app} igual me muestran anuncios de tiendas cerca de mi {place}.{end}",
            ],
            "app": ["las aplicaciones", "los juegos del celular", "las redes sociales", "las empresas de telefonía", "las apps de mapas"],
            "app_one": ["juego", "app de linterna", "app de música", "app del colegio", "app de chat"],
            "setting": ["ubicación", "localización", "GPS"],
            "place": ["casa", "colegio", "barrio", "cuadra"],
            "end": ["", " Se siente como si me siguieran.", " Nadie lo explica.", " Que nos pregunten primero.", " Es muy raro."],
        },
        "ar": {
            "t": [
                "{app} تعرف مكاني طوال الوقت حتى عندما يكون {setting} مطفأً.{end}",
                "لماذا يحتاج {app_one} إلى موقعي؟ {end}",
                "يجب أن يكون تحديد الموقع في الهاتف مطفأً بشكل تلقائي للشباب.{end}",
                "أطفأت الموقع لكن {app} ما زالت تعرض إعلانات لمحلات قرب {place}.{end}",
            ],
            "app": ["التطبيقات", "ألعاب الهاتف", "تطبيقات التواصل", "شركات الاتصالات", "تطبيقات الخرائط"],
            "app_one": ["تطبيق ألعاب", "تطبيق الكشاف", "تطبيق موسيقى", "تطبيق المدرسة", "تطبيق دردشة"],
            "setting": ["الموقع", "نظام تحديد المواقع", "الهاتف"],
            "place": ["بيتي", "مدرستي", "الشارع", "الكرفان"],
            "end": ["", " أشعر أن أحدًا يلاحقني.", " لا أحد يشرح ذلك.", " اسألونا أولًا.", " هذا مخيف."],
        },
    },
    "biometrics": {
        "en": {
            "t": [
                "They took my {bio} to register for {aid} and never said who keeps it.{end}",
                "If I refuse the {bio} scan, does my family still get {aid}?{end}",
                "Registering for {aid} should not need our {bio}.{end}",
                "Who can see the {bio} they scanned at the {desk}?{end}",
            ],
            "bio": ["fingerprints", "iris", "eye scan", "photo and fingerprints"],
            "aid": ["the food card", "cash assistance", "the aid card", "school supplies", "the clinic"],
            "desk": ["registration desk", "distribution point", "camp office"],
            "end": ["", " Nobody explained it.", " Explain it to us.", " It should be a choice.", " Nobody told us how long they keep it."],
        },
        "es": {
            "t": [
                "Me tomaron las {bio} para registrarme en {aid} y nunca dijeron quién las guarda.{end}",
                "Si me niego a dar mis {bio}, ¿mi familia igual recibe {aid}?{end}",
                "Registrarse para {aid} no debería exigir nuestras {bio}.{end}",
            ],
            "bio": ["huellas", "huellas digitales", "fotos y huellas"],
            "aid": ["el subsidio", "la ayuda", "el mercado", "el programa"],
            "end": ["", " Que lo expliquen.", " Debería ser opcional."],
        },
        "ar": {
            "t": [
                "أخذوا {bio} لتسجيلي في {aid} ولم يقولوا من يحتفظ بها.{end}",
                "إذا رفضت مسح {bio}، هل تحصل عائلتي على {aid}؟{end}",
                "التسجيل في {aid} يجب ألا يحتاج إلى {bio}.{end}",
                "من يستطيع رؤية {bio} التي أخذوها في {desk}؟{end}",
                "نحن نعطي {bio} مقابل {aid} ولا نعرف أين تذهب.{end}",
            ],
            "bio": ["بصماتي", "بصمة العين", "صورة العين", "البصمات"],
            "aid": ["بطاقة الطعام", "المساعدة النقدية", "بطاقة المساعدات", "القرطاسية", "العيادة"],
            "desk": ["مكتب التسجيل", "نقطة التوزيع", "مكتب المخيم"],
            "end": ["", " كنا خائفين أن نسأل.", " اشرحوا لنا.", " يجب أن يكون ذلك اختياريًا.", " لم يخبرنا أحد كم سيحتفظون بها."],
        },
    },
    "online_safety": {
        "en": {
            "t": [
                "Strangers find us on {platform} because our {detail} is public by default.{end}",
                "{platform} should protect young people from {harm}.{end}",
                "Teach us how to keep our {detail} private on {platform}.{end}",
                "When we report {harm} on {platform} nothing happens.{end}",
            ],
            "platform": ["social media", "Instagram", "TikTok", "group chats", "online games"],
            "detail": ["profile", "phone number", "school name", "photos", "age"],
            "harm": ["hate comments", "fake accounts", "scams", "messages from strangers", "photos shared without asking"],
            "end": ["", " It happens a lot.", " Safety settings are hard to find.", " Adults do not understand it."],
        },
        "es": {
            "t": [
                "Los desconocidos nos encuentran en {platform} porque nuestro {detail} es público por defecto.{end}",
                "{platform} deberían proteger a los jóvenes de {harm}.{end}",
                "Que nos enseñen a mantener privado nuestro {detail} en {platform}.{end}",
                "Cuando denunciamos {harm} en {platform} no pasa nada.{end}",
            ],
            "platform": ["las redes sociales", "Instagram", "TikTok", "los grupos de chat", "los juegos en línea"],
            "detail": ["perfil", "número", "colegio", "contenido", "nombre de usuario"],
            "harm": ["comentarios de odio", "las cuentas falsas", "las estafas", "los mensajes de desconocidos", "las fotos compartidas sin permiso"],
            "end": ["", " Pasa mucho.", " La configuración de seguridad es difícil de encontrar.", " Los adultos no lo entienden."],
        },
        "ar": {
            "t": [
                "الغرباء يجدوننا على {platform} لأن {detail} عام بشكل تلقائي.{end}",
                "يجب أن تحمي {platform} الشباب من {harm}.{end}",
                "علمونا كيف نجعل {detail} خاصًا على {platform}.{end}",
                "عندما نبلغ عن {harm} على {platform} لا يحدث شيء.{end}",
            ],
            "platform": ["مواقع التواصل", "إنستغرام", "تيك توك", "مجموعات الدردشة", "الألعاب على الإنترنت"],
            "detail": ["حسابنا", "رقم الهاتف", "اسم المدرسة", "صورنا", "عمرنا"],
            "harm": ["التعليقات المسيئة", "الحسابات المزيفة", "الاحتيال", "رسائل الغرباء", "نشر الصور بدون إذن"],
            "end": ["", " هذا يحدث كثيرًا.", " إعدادات الأمان صعبة.", " الكبار لا يفهمون ذلك."],
        },
    },
    "delete": {
        "en": {
            "t": [
                "We should be able to delete our {data} when we {when}.{end}",
                "How long do they keep our {data}? Nobody ever says.{end}",
                "There should be one button to see and delete my {data}.{end}",
            ],
            "data": ["data", "old posts", "answers", "school records", "photos"],
            "when": ["leave", "turn 18", "stop using the service", "ask"],
            "end": ["", " Forever is too long.", " Delete means delete.", " It is our right."],
        },
        "es": {
            "t": [
                "Deberíamos poder borrar nuestros {data} cuando {when}.{end}",
                "¿Cuánto tiempo guardan nuestros {data}? Nadie lo dice nunca.{end}",
                "Tendría que haber un botón para ver y borrar mis {data}.{end}",
            ],
            "data": ["datos", "mensajes viejos", "registros escolares", "datos del programa", "datos de la app"],
            "when": ["salgamos del programa", "cumplamos 18", "dejemos de usar la app", "lo pidamos"],
            "end": ["", " Para siempre es demasiado.", " Borrar es borrar.", " Es nuestro derecho."],
        },
        "ar": {
            "t": [
                "يجب أن نستطيع حذف {data} عندما {when}.{end}",
                "كم من الوقت يحتفظون بـ{data}؟ لا أحد يقول.{end}",
                "يجب أن يكون هناك زر لرؤية {data} وحذفها.{end}",
            ],
            "data": ["بياناتنا", "رسائلنا القديمة", "سجلاتنا", "معلومات التسجيل", "صورنا"],
            "when": ["نغادر المخيم", "نبلغ 18 سنة", "نتوقف عن استخدام الخدمة", "نطلب ذلك"],
            "end": ["", " الاحتفاظ بها إلى الأبد كثير.", " الحذف يعني الحذف.", " هذا حقنا."],
        },
    },
    "plain_words": {
        "en": {
            "t": [
                "Explain in simple words what you do with our data, not in {doc}.{end}",
                "I clicked accept on the {doc} because I could not understand it.{end}",
                "Tell us in our language, in {format}, what happens to what we share.{end}",
            ],
            "doc": ["long contracts", "terms and conditions", "privacy policies", "legal words"],
            "format": ["a short video", "one page", "a drawing", "a voice message"],
            "end": ["", " Nobody reads those.", " Make it short.", " We are not lawyers."],
        },
        "es": {
            "t": [
                "Expliquen con palabras sencillas qué hacen con nuestros datos, no con {doc}.{end}",
                "Le di aceptar a los {doc} porque no los entendía.{end}",
                "Que nos cuenten en {format} qué pasa con lo que compartimos.{end}",
            ],
            "doc": ["contratos largos", "términos y condiciones", "políticas de privacidad", "palabras de abogados"],
            "format": ["un video corto", "una sola página", "un dibujo", "un audio"],
            "end": ["", " Nadie lee eso.", " Que sea corto.", " No somos abogados."],
        },
        "ar": {
            "t": [
                "اشرحوا بكلمات بسيطة ماذا تفعلون ببياناتنا، وليس في {doc}.{end}",
                "ضغطت موافق على {doc} لأنني لم أفهمها.{end}",
                "أخبرونا بلغتنا، في {format}، ماذا يحدث لما نشاركه.{end}",
            ],
            "doc": ["عقود طويلة", "الشروط والأحكام", "سياسات الخصوصية", "كلمات قانونية"],
            "format": ["فيديو قصير", "صفحة واحدة", "رسم", "رسالة صوتية"],
            "end": ["", " لا أحد يقرأ ذلك.", " اجعلوها قصيرة.", " نحن لسنا محامين."],
        },
    },
    "selling": {
        "en": {
            "t": [
                "Data about young people should never be sold to {buyer}.{end}",
                "I think {app} sell what we do online to {buyer}.{end}",
                "Free apps are not free: they sell our {what} to {buyer}.{end}",
            ],
            "buyer": ["advertisers", "other companies", "data brokers", "marketing companies"],
            "app": ["phone companies", "free games", "social media apps", "music apps"],
            "what": ["data", "clicks", "habits", "contacts"],
            "end": ["", " We are not products.", " Stop the ads.", " It should be illegal."],
        },
        "es": {
            "t": [
                "Los datos de los jóvenes nunca deberían venderse a {buyer}.{end}",
                "Creo que {app} venden lo que hacemos en internet a {buyer}.{end}",
                "Las apps gratis no son gratis: venden nuestros {what} a {buyer}.{end}",
            ],
            "buyer": ["anunciantes", "otras empresas", "comerciantes de datos", "empresas de publicidad"],
            "app": ["las empresas de telefonía", "los juegos gratis", "las redes sociales", "las apps de música"],
            "what": ["datos", "clics", "hábitos", "contactos"],
            "end": ["", " No somos productos.", " Basta de anuncios.", " Debería ser ilegal."],
        },
        "ar": {
            "t": [
                "يجب ألا تُباع بيانات الشباب أبدًا إلى {buyer}.{end}",
                "أعتقد أن {app} تبيع ما نفعله على الإنترنت إلى {buyer}.{end}",
                "التطبيقات المجانية ليست مجانية: تبيع {what} إلى {buyer}.{end}",
            ],
            "buyer": ["المعلنين", "شركات أخرى", "تجار البيانات", "شركات التسويق"],
            "app": ["شركات الاتصالات", "الألعاب المجانية", "تطبيقات التواصل", "تطبيقات الموسيقى"],
            "what": ["بياناتنا", "نقراتنا", "عاداتنا", "جهات الاتصال"],
            "end": ["", " نحن لسنا سلعة.", " أوقفوا الإعلانات.", " يجب أن يكون هذا ممنوعًا."],
        },
    },
    "authorities": {
        "en": {
            "t": [
                "I worry that {auth} can see what we tell {where}.{end}",
                "What we say {where} must not be shared with {auth}.{end}",
            ],
            "auth": ["the police", "the authorities", "the security office", "immigration officers"],
            "where": ["the youth centre", "the organisations", "the clinic", "the camp office"],
            "end": ["", " Then nobody will speak.", " Families could get in trouble.", " Promise it in writing."],
        },
        "es": {
            "t": [
                "Me preocupa que {auth} pueda ver lo que contamos en {where}.{end}",
                "Lo que decimos en {where} no se debe compartir con {auth}.{end}",
            ],
            "auth": ["la policía", "las autoridades", "migración"],
            "where": ["el centro juvenil", "las organizaciones", "el centro de salud", "el colegio"],
            "end": ["", " Así nadie va a hablar.", " Las familias pueden tener problemas.", " Que lo prometan por escrito."],
        },
        "ar": {
            "t": [
                "يقلقني أن {auth} تعرف ما نقوله في {where}.{end}",
                "ما نقوله في {where} يجب ألا يُشارك مع {auth}.{end}",
            ],
            "auth": ["الشرطة", "السلطات", "الأمن"],
            "where": ["المركز الشبابي", "المنظمات", "العيادة", "مكتب المخيم"],
            "end": ["", " عندها لن يتكلم أحد.", " قد تقع العائلات في مشكلة.", " عِدونا بذلك كتابةً."],
        },
    },
}
TOPIC_WEIGHTS = {
    "Bogotá youth centres": {"consent": 5, "location": 5, "online_safety": 4, "delete": 3, "plain_words": 3, "selling": 3, "authorities": 2, "biometrics": 1},
    "Zaatari camp": {"biometrics": 6, "consent": 3, "authorities": 3, "delete": 3, "plain_words": 3, "online_safety": 2, "location": 2, "selling": 1},
}
# What a leak looked like (the survey's follow-up question when a person worries about leaks).
LEAKS = {
    "en": [
        "My {what} was {how} in {where} and everyone saw it.",
        "A friend's {what} was {how} after {where} got hacked.",
        "Someone {how} the {what} from {where}.",
    ],
    "es": [
        "Mis {what} fueron {how} en {where} y todos los vieron.",
        "Los {what} de un amigo fueron {how} cuando hackearon {where}.",
    ],
    "ar": [
        "تم {how} {what} في {where} ورآها الجميع.",
        "تم {how} {what} لصديق بعد اختراق {where}.",
    ],
}
LEAK_FILLERS = {
    "en": {"what": ["grades", "phone number", "photos", "exam results", "address"], "how": ["posted", "leaked", "shared", "published"],
           "where": ["a class chat", "the school website", "a game account", "a group on social media"]},
    "es": {"what": ["notas", "fotos", "datos", "resultados"], "how": ["publicados", "filtrados", "compartidos"],
           "where": ["el chat del curso", "la página del colegio", "una cuenta de juegos", "un grupo de Facebook"]},
    "ar": {"what": ["صور", "علامات", "رقم هاتف", "بيانات"], "how": ["نشر", "تسريب", "مشاركة"],
           "where": ["مجموعة الصف", "موقع المدرسة", "حساب الألعاب", "مجموعة على فيسبوك"]},
}
OPENERS = {
    "en": ["", "", "Honestly, ", "For me, ", "Simple: ", "Please listen: "],
    "es": ["", "", "La verdad, ", "Para mí, ", "Sencillo: ", "Escuchen: "],
    "ar": ["", "", "بصراحة، ", "بالنسبة لي، ", "ببساطة: ", "اسمعونا: "],
}
DEMO_WORDS = {
    "es": ["preocupado", "inseguro", "curioso", "tranquilo", "vigilado", "confundido", "molesto"],
    "ar": ["قلق", "حذر", "مهتم", "مرتاح", "مراقَب", "محتار", "غاضب"],
    "en": ["worried", "watched", "curious", "calm", "confused", "annoyed", "tracked"],
}
# Remarks with personal data in them, as young people do write (screening masks each one): a
# phone number, a name, an e-mail, a school. (context, language, text)
WITH_PERSONAL_DATA: tuple[tuple[str, str, str], ...] = (
    ("Bogotá youth centres", "es", "Si quieren saber más llámenme al 310 555 0192, me da rabia que la app del colegio comparta la ubicación."),
    ("Bogotá youth centres", "es", "En el Colegio Nacional Nicolás Esguerra publicaron las notas de todos en un grupo sin preguntarnos."),
    ("Bogotá youth centres", "en", "Write to me at laura.gomez@example.com: apps should ask before they share my location."),
    ("Zaatari camp", "ar", "أخي أحمد الخطيب سجلوا بصمة عينه للحصول على بطاقة الطعام ولم يشرحوا له لماذا."),
    ("Zaatari camp", "ar", "اتصلوا بي على 0791234567 إذا أردتم أن تعرفوا كيف أخذوا بصماتنا في مكتب التسجيل."),
    ("Zaatari camp", "en", "My friend Yusuf Haddad had his fingerprints taken three times for the same aid card."),
)
# One remark reads as a disclosure of harm: the survey raises a safeguarding concern for the
# consultation's focal point and facilitator, and the analysis leaves it out until a person decides.
DISCLOSURE = ("Bogotá youth centres", "es", "Mi padrastro me pega cuando no le doy la clave de mi celular y me da miedo volver a casa.")


def _fill(template: str, fillers: dict[str, list[str]], rng: random.Random) -> str:
    values = {name: rng.choice(options) for name, options in fillers.items() if name != "t"}
    return template.format(**values)


def demo_remark(context_name: str, lang: str, rng: random.Random) -> tuple[str, str]:
    """(topic, remark): a topic weighted for the context, one of its templates in `lang` filled."""
    weights = TOPIC_WEIGHTS[context_name]
    topics = [t for t in weights if lang in BANK[t]]
    topic = rng.choices(topics, weights=[weights[t] for t in topics])[0]
    bank = BANK[topic][lang]
    text = _fill(rng.choice(bank["t"]), bank, rng).strip()
    text = text[0].upper() + text[1:]
    opener = rng.choice(OPENERS[lang])
    if opener and lang != "ar":
        text = opener + text[0].lower() + text[1:]
    elif opener:
        text = opener + text
    return topic, " ".join(text.split())


def demo_leak(lang: str, rng: random.Random) -> str:
    return _fill(rng.choice(LEAKS[lang]), LEAK_FILLERS[lang], rng)


def _t(en: str, es: str, ar: str) -> dict[str, str]:
    return {"en": en, "es": es, "ar": ar}


def _choices(*items: tuple[str, str, str, str]) -> list[Choice]:
    return [Choice(name=name, label=_t(en, es, ar)) for name, en, es, ar in items]


# Single-choice questions on uses of data, answered fine / it depends / not fine (the practice
# check's demo maps them onto its vocabulary, so its model learns from the survey too).
USE_QUESTIONS = {
    "ads_location": _t(
        "If a company asks your consent first, may it use your location to show you ads?",
        "Si una empresa te pide permiso primero, ¿puede usar tu ubicación para mostrarte publicidad?",
        "إذا طلبت شركة موافقتك أولًا، هل يمكنها استخدام موقعك لتعرض لك الإعلانات؟",
    ),
    "school_research": _t(
        "May the ministry use your school records for research if your name is removed?",
        "¿Puede el ministerio usar tus registros escolares para investigar si se quita tu nombre?",
        "هل يمكن للوزارة استخدام سجلاتك المدرسية في البحث إذا حُذف اسمك؟",
    ),
}
USE_OPTIONS = (
    ("fine", "That is fine", "Está bien", "لا بأس بذلك"),
    ("depends", "It depends", "Depende", "يعتمد على الأمر"),
    ("not_fine", "That is not fine", "No está bien", "ليس مقبولًا"),
)
# How the demo's young people answer them, in turn, by context (Bogotá wary of ads, the camp
# of anything leaving the school or the agency).
USE_ANSWERS = {
    "Bogotá youth centres": {"ads_location": ("not_fine", "depends", "not_fine", "fine", "not_fine"),
                             "school_research": ("fine", "depends", "fine", "not_fine", "fine")},
    "Zaatari camp": {"ads_location": ("not_fine", "not_fine", "depends", "not_fine", "fine"),
                     "school_research": ("depends", "not_fine", "depends", "fine", "not_fine")},
}


def demo_definition() -> Definition:
    about = Group(
        name="about_you",
        label=_t("About you", "Sobre ti", "عنك"),
        questions=[
            # No age question: the age band is asked once, when the person joins (the core's), and
            # every result is filtered by it; asking again here would collect it twice.
            Question(
                name="phone", kind="single_choice", required=True,
                label=_t("Do you have your own phone?", "¿Tienes tu propio teléfono?", "هل لديك هاتف خاص بك؟"),
                choices=_choices(
                    ("own", "Yes, my own", "Sí, propio", "نعم، هاتفي الخاص"),
                    ("shared", "I share one with others", "Lo comparto con otras personas", "أشارك هاتفًا مع آخرين"),
                    ("none", "No", "No", "لا"),
                ),
            ),
        ],
    )
    data = Group(
        name="your_data",
        label=_t("Your data", "Tus datos", "بياناتك"),
        questions=[
            Question(
                name="trust", kind="scale", required=True, minimum=1, maximum=5, step=1,
                label=_t(
                    "How much do you trust organisations that collect data about you?",
                    "¿Cuánto confías en las organizaciones que recogen datos sobre ti?",
                    "إلى أي حد تثق بالمنظمات التي تجمع بيانات عنك؟",
                ),
                min_label=_t("Not at all", "Nada", "لا أثق أبدًا"),
                max_label=_t("Completely", "Totalmente", "أثق تمامًا"),
            ),
            Question(
                name="worries", kind="multiple_choice", max_choices=2,
                label=_t(
                    "What worries you most when organisations collect your data?",
                    "¿Qué es lo que más te preocupa cuando las organizaciones recogen tus datos?",
                    "ما الذي يقلقك أكثر عندما تجمع المنظمات بياناتك؟",
                ),
                hint=_t("Choose up to two.", "Elige hasta dos.", "اختر خيارين كحد أقصى."),
                choices=_choices(
                    ("sold", "That it is sold to companies", "Que se venda a empresas", "أن تُباع للشركات"),
                    ("leaked", "That it leaks or is hacked", "Que se filtre o la roben", "أن تتسرب أو تُخترق"),
                    ("authorities", "That it is shared with the police or authorities", "Que se comparta con la policía o las autoridades", "أن تُشارك مع الشرطة أو السلطات"),
                    ("family", "That my family sees it", "Que mi familia la vea", "أن تراها عائلتي"),
                    ("nothing", "Nothing worries me", "Nada me preocupa", "لا شيء يقلقني"),
                ),
            ),
            Question(
                name="worry_detail", kind="long_text", max_length=500,
                relevant="selected(${worries}, 'leaked')",
                label=_t(
                    "Has your data ever leaked, or do you know someone it happened to? Tell us what happened (no names).",
                    "¿Alguna vez se filtraron tus datos, o conoces a alguien a quien le pasó? Cuéntanos qué pasó (sin nombres).",
                    "هل تسربت بياناتك من قبل، أو تعرف شخصًا حدث له ذلك؟ أخبرنا بما حدث (بدون أسماء).",
                ),
            ),
            # Uses of data: the practice check reads these as cards (practice/demo.py maps them).
            *(
                Question(name=name, kind="single_choice", label=label, choices=_choices(*USE_OPTIONS))
                for name, label in USE_QUESTIONS.items()
            ),
        ],
    )
    priorities = Group(
        name="priorities",
        label=_t("What matters", "Lo que importa", "ما يهمك"),
        questions=[
            Question(
                name="first_steps", kind="ranking",
                label=_t(
                    "What should organisations do first? Put these in order, 1 is most important.",
                    "¿Qué deberían hacer primero las organizaciones? Ordénalas, 1 es lo más importante.",
                    "ما الذي يجب أن تفعله المنظمات أولًا؟ رتّبها، 1 هو الأهم.",
                ),
                choices=_choices(
                    ("ask", "Ask me before using my data", "Preguntarme antes de usar mis datos", "أن تسألني قبل استخدام بياناتي"),
                    ("explain", "Explain in simple words what they do", "Explicar con palabras sencillas lo que hacen", "أن تشرح بكلمات بسيطة ما تفعله"),
                    ("delete", "Let me delete my data", "Dejarme borrar mis datos", "أن تسمح لي بحذف بياناتي"),
                    ("protect", "Keep my data safe", "Mantener mis datos seguros", "أن تحافظ على بياناتي آمنة"),
                ),
            ),
            Question(
                name="hours_online", kind="number", minimum=0, maximum=24,
                label=_t("About how many hours a day are you online?", "¿Cuántas horas al día pasas en internet, más o menos?", "كم ساعة تقريبًا تقضي على الإنترنت يوميًا؟"),
                hint=_t("A whole number from 0 to 24.", "Un número entero de 0 a 24.", "رقم صحيح من 0 إلى 24."),
            ),
        ],
    )
    voice = Group(
        name="your_voice",
        label=_t("Your voice", "Tu voz", "صوتك"),
        questions=[
            Question(
                name="one_word", kind="short_text", max_length=40,
                label=_t("In one word, how do you feel about your data online?", "En una palabra, ¿cómo te sientes con tus datos en internet?", "بكلمة واحدة، ما شعورك تجاه بياناتك على الإنترنت؟"),
            ),
            Question(
                name="message", kind="long_text", max_length=1000,
                label=_t(
                    "What should the people who decide about data hear from young people?",
                    "¿Qué deberían escuchar de los jóvenes las personas que deciden sobre los datos?",
                    "ماذا يجب أن يسمع من الشباب الأشخاص الذين يقررون بشأن البيانات؟",
                ),
                hint=_t("Optional. Please do not write names.", "Opcional. Por favor, no escribas nombres.", "اختياري. من فضلك لا تكتب أسماء."),
            ),
            Question(
                name="thanks", kind="note",
                label=_t("Thank you! Press Send to finish.", "¡Gracias! Pulsa Enviar para terminar.", "شكرًا لك! اضغط إرسال للإنهاء."),
            ),
        ],
    )
    definition = Definition(
        languages=["en", "es", "ar"],
        title=_t("You and your data", "Tú y tus datos", "أنت وبياناتك"),
        groups=[about, data, priorities, voice],
        form_id="your_data_your_say",
        version="1",
    )
    return validated(definition, for_publishing=True)


def _demo_consultation(session: Session, organisation: Any) -> Consultation | None:
    from baraza import demo

    title = getattr(demo, "DEMO_CONSULTATION_TITLE", None)
    consultations = session.exec(select(Consultation).where(Consultation.organisation_id == organisation.id)).all()
    # The organisation's only consultation will do when none has the demo's title (a test's own).
    return next((c for c in consultations if title and title in c.title.values()), consultations[0] if len(consultations) == 1 else None)


def seed_demo_survey(session: Session, settings: Settings, organisation: Any, contexts: Any, users: dict[str, Any]) -> str | None:
    """The demo_seeders hook: a published three-language survey in the demo consultation, more
    young people joining it, and everyone's answers (so results have figures and the insights
    pipeline has several hundred remarks to read)."""
    consultation = _demo_consultation(session, organisation)
    if consultation is None:
        return "Surveys: no demo consultation found, so no demo survey was added."
    facilitator = users.get("facilitator@demo.baraza.test")
    survey = Survey(
        consultation_id=consultation.id,  # type: ignore[arg-type]
        definition=demo_definition().to_dict(),
        status=SurveyStatus.PUBLISHED.value,
        published_at=utcnow(),
        created_by_user_id=getattr(facilitator, "id", None),
    )
    session.add(survey)
    session.flush()
    record_audit(session, None, "system.demo_survey_seeded", [("surveys.survey", survey.id), ("consultation", consultation.id)])
    session.commit()
    _join_demo_participants(session, settings, consultation)
    written = _answer_as_demo_participants(session, settings, survey, consultation)
    return (
        f"Surveys: '{demo_definition().title['en']}' is published; answer it at /surveys/{survey.id}/answer (join code {consultation.join_code}). "
        f"{written} remarks were written in it (a few with a phone number, a name, an e-mail or a school; one held for the focal point)."
    )


def _join_demo_participants(session: Session, settings: Settings, consultation: Consultation) -> None:
    """More young people join through the core's join use case (as from a phone), with their
    consents: most allow analysis, three in four allow quoting. Under BARAZA_ENV=test only a
    few join (the many browser tests that seed the demo for its accounts stay fast;
    tests/test_demo_loop.py seeds the whole demo)."""
    from baraza.consultations.access import contexts_of
    from baraza.participation.services import do_join_consultation, latest_notice

    by_name = {c.name: c for c in contexts_of(session, consultation)}
    n = 0
    for context_name, lang, count in DEMO_JOINERS:
        context = by_name.get(context_name)
        if context is None:
            continue
        notice = latest_notice(session, consultation.id, lang)  # type: ignore[arg-type]
        bands = DEMO_BANDS[context_name]
        for i in range(count if settings.environment != "test" else min(count, 3)):
            n += 1
            do_join_consultation(
                session, ANONYMOUS, settings, consultation, context_id=context.id, language=lang, notice_id=notice.id if notice else None,
                age_band=bands[i % len(bands)], agree=True, analysis=n % 29 != 11, quoting=n % 4 != 0, follow_up=n % 2 == 0,
            )
            if n % 100 == 0:
                _forget_join_throttle(session)
    _forget_join_throttle(session)


def _forget_join_throttle(session: Session) -> None:
    # The demo's own joins must not use up the join-code rate limit of a real session.
    session.exec(delete(ThrottleEvent).where(col(ThrottleEvent.key).startswith("join-code:")))  # type: ignore[call-overload]
    session.commit()


def _quoting_ids(session: Session, consultation: Consultation) -> set[int]:
    from baraza.participation.api import analysable_participant_ids, quotable_participant_ids

    # Quotable and analysable: what they write may be read in the analysis and shown.
    quotable = set(session.exec(quotable_participant_ids(consultation.id)).all())  # type: ignore[arg-type, call-overload]
    return quotable & set(session.exec(analysable_participant_ids(consultation.id)).all())  # type: ignore[arg-type, call-overload]


def _answer_as_demo_participants(session: Session, settings: Settings, survey: Survey, consultation: Consultation) -> int:
    """Every participant of the demo consultation answers the survey, through the same use case
    a phone's screens go through (consent checked, screened, audited, idempotent). Returns how
    many remarks they wrote."""
    from baraza.participation.api import participant_actor
    from surveys.services import do_save_screen

    names = {c.id: c.name for c in session.exec(select(Context)).all()}
    participants = session.exec(
        select(Participant).where(Participant.consultation_id == consultation.id).order_by(col(Participant.id))
    ).all()
    quoting = _quoting_ids(session, consultation)
    # The remarks with personal data, and the one disclosure, go to people who allow quoting
    # (what they wrote could be shown), one each, in their context and language.
    special: dict[int, str] = {}
    for context_name, lang, text in (*WITH_PERSONAL_DATA, DISCLOSURE):
        person = next(
            (p for p in participants if p.id in quoting and p.id not in special and names.get(p.context_id) == context_name and p.language == lang),
            None,
        )
        if person is not None:
            special[person.id] = text  # type: ignore[index]
    written = 0
    seen: set[str] = set()
    for i, participant in enumerate(participants):
        lang = participant.language if participant.language in OPENERS else "en"
        context_name = names.get(participant.context_id, "")
        context_name = context_name if context_name in TOPIC_WEIGHTS else "Bogotá youth centres"
        rng = random.Random(7919 * (i + 1))
        message = special.get(participant.id)  # type: ignore[arg-type]
        if message is None and i % 10 != 9:
            for _try in range(5):  # the same words twice would be one quote: vary them
                _topic, message = demo_remark(context_name, lang, rng)
                if message not in seen:
                    break
            seen.add(message or "")
        # Mostly even answers, and exactly four people without a phone of their own (fewer
        # than 5: the demo shows a hidden number, and a filtered view hiding its partners).
        worries = [["leaked", "authorities"], ["sold"], ["authorities", "family"], ["leaked"], ["sold", "leaked"]][i % 5]
        detail = demo_leak(lang, rng) if "leaked" in worries and i % 3 != 1 else None
        screens = {
            "about_you": {"q.phone": ["none" if i in (3, 19, 35, 51) else ["own", "shared", "own"][i % 3]]},
            "your_data": {"q.trust": [str(1 + (i * 7) % 4)], "q.worries": worries} | ({"q.worry_detail": [detail]} if detail else {})
            | {f"q.{name}": [answers[(i + n) % len(answers)]] for n, (name, answers) in enumerate(USE_ANSWERS[context_name].items())},
            "priorities": {"q.first_steps": [["ask protect explain delete", "protect ask delete explain", "explain ask protect delete"][i % 3]],
                           "q.hours_online": [str(2 + i % 6)]},
            # The one word is optional: about one in three give it.
            "your_voice": ({"q.one_word": [DEMO_WORDS[lang][(i // 3) % len(DEMO_WORDS[lang])]]} if i % 3 == 0 else {})
            | ({"q.message": [message]} if message else {}),
        }
        written += (i % 3 == 0) + bool(detail) + bool(message)
        for screen, form in screens.items():
            do_save_screen(
                session, participant_actor(participant), settings, consultation, participant, survey,
                screen=screen, form=form, submission_id=f"demo-{participant.id}-{screen}", language=lang,
            )
    return written


# -- The youth scorecard: young people rate a stakeholder's commitment -----------------------------

SCORECARD_TITLE = _t("Rate the commitment", "Califica el compromiso", "قيّم الالتزام")
# The commitment the scorecard is about: the first the tracker offers whose title starts so.
SCORECARD_SUBJECT = "Location off by default"
SCORECARD_REASONS = {
    "es": [
        "Todavía veo que la app pide la ubicación al abrirla.",
        "Ahora la ubicación viene apagada, eso está bien.",
        "Lo anunciaron pero nadie en mi colegio lo ha notado.",
        "Falta explicarlo con palabras sencillas.",
        "Es un buen paso, pero solo en algunos teléfonos.",
        "Mi hermana menor ya no comparte su ubicación sin saber.",
    ],
    "en": [
        "The new phones have it off, old ones still share it.",
        "Good start, but the settings page is still confusing.",
        "I have not seen any change yet.",
        "They asked us before changing it, that was good.",
    ],
    "ar": [
        "ما زال التطبيق يطلب الموقع كل مرة.",
        "خطوة جيدة لكنها ليست كافية.",
        "لم ألاحظ أي تغيير في هاتفي.",
        "أصبح الموقع مطفأً في الهواتف الجديدة.",
    ],
}


def scorecard_definition() -> Definition:
    rate = Question(
        name="rate", kind="rating_reason", required=True, minimum=1, maximum=5, step=1,
        label=_t(
            "How well is ConnectMobile keeping its promise to keep young people's location off by default?",
            "¿Qué tan bien cumple ConnectMobile su promesa de dejar apagada por defecto la ubicación de los jóvenes?",
            "إلى أي حد تفي ConnectMobile بوعدها بإطفاء موقع الشباب بشكل تلقائي؟",
        ),
        min_label=_t("Not at all", "Nada", "لا تفي أبدًا"),
        max_label=_t("Completely", "Totalmente", "تفي تمامًا"),
        reason_label=_t("Why? (optional, no names)", "¿Por qué? (opcional, sin nombres)", "لماذا؟ (اختياري، بدون أسماء)"),
    )
    definition = Definition(
        languages=["en", "es", "ar"],
        title=SCORECARD_TITLE,
        groups=[Group(name="scorecard", label=SCORECARD_TITLE, questions=[rate])],
        form_id="demo_scorecard",
        version="1",
    )
    return validated(definition, for_publishing=True)


def seed_demo_scorecard(session: Session, settings: Settings, organisation: Any, contexts: Any, users: dict[str, Any]) -> str | None:
    """The second demo_seeders hook (after every app's first: `demo_order` 1): the Bogotá
    facilitator makes a scorecard about the commitment the tracker's demo made, publishes it,
    and young people of both contexts rate it with their reasons."""
    from baraza.participation.api import participant_actor
    from surveys.services import do_create_survey, do_publish_survey, do_save_definition, do_save_screen, do_set_scorecard

    consultation = _demo_consultation(session, organisation)
    facilitator = users.get("facilitator@demo.baraza.test")
    if consultation is None or facilitator is None:
        return None
    actor = actor_for_user(session, facilitator)
    offered = registry_of(session).choices_of(session, actor, "tracker.commitment", consultation.id)
    subject = next((c for c in offered if c.title.startswith(SCORECARD_SUBJECT)), None)
    if subject is None:
        return "Surveys: no demo commitment to rate, so no scorecard was added."
    survey = do_create_survey(session, actor, consultation, title=SCORECARD_TITLE, is_scorecard=True)
    do_save_definition(session, actor, survey, scorecard_definition())
    do_set_scorecard(session, actor, survey, is_scorecard=True, commitment=subject.ref)
    do_publish_survey(session, actor, survey)
    raters = _raters(session, consultation)
    for i, participant in enumerate(raters):
        lang = participant.language if participant.language in SCORECARD_REASONS else "en"
        rating = [2, 3, 4, 3, 2, 4, 5, 3, 1, 3][i % 10]
        reasons = SCORECARD_REASONS[lang]
        form = {"q.rate": [str(rating)]} | ({"q.rate.reason": [reasons[i % len(reasons)]]} if i % 3 != 2 else {})
        do_save_screen(
            session, participant_actor(participant), settings, consultation, participant, survey,
            screen="scorecard", form=form, submission_id=f"demo-score-{participant.id:08d}", language=lang,
        )
    return f"Surveys: the scorecard '{SCORECARD_TITLE['en']}' about \"{subject.title}\" was rated by {len(raters)} young people."


seed_demo_scorecard.demo_order = 1  # type: ignore[attr-defined]


def _raters(session: Session, consultation: Consultation) -> Sequence[Participant]:
    """Every third participant of each context rates the commitment (enough to pass k in each)."""
    participants = session.exec(
        select(Participant).where(Participant.consultation_id == consultation.id).order_by(col(Participant.id))
    ).all()
    return [p for i, p in enumerate(participants) if i % 3 == 1]
