"""Build the multilingual screening fixtures: sentences written for Baraza in en, es, fr, ar,
pt and sw, the way young people answer a consultation, with generated names, phone numbers,
schools, places, addresses, e-mails, links, handles and ID numbers put into their slots and
the spans kept.

    python bench/screening/make_fixtures.py            # writes bench/screening/fixtures/<lang>.jsonl

Fixed seed: the files are reproducible. About half of the names, places and schools used here
are NOT in the screen's own lists (insights/screening/gazetteer.py), so the figures measure the
rules on names they have never seen too, not only the lists against themselves. Each language
also has sentences with no personal data at all (capitalised countries, months, apps and
institutions included), for precision.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import phonenumbers

OUT = Path(__file__).parent / "fixtures"
PER_LANGUAGE = 300
COUNTRIES = {"en": ("KE", "UG", "NG", "GH"), "es": ("CO", "MX", "PE"), "fr": ("SN", "CI", "CD"), "ar": ("JO", "LB", "EG"),
             "pt": ("BR", "MZ", "AO"), "sw": ("KE", "TZ")}

# Names per language: the first half of each list is also in the screen's gazetteer, the second
# half is not (written for this file only).
GIVEN = {
    "en": "Brian Faith Kevin Mercy Otieno Wanjiru Chinedu Ngozi Kwame Akosua | Tendai Nkosana Zodwa Lwazi Mbali Kudzai Rudo Tapiwa Farai Chipo Olamide Kelechi",
    "es": "Camila Santiago Valentina Mateo Yesenia Brayan Jimena Matías | Yuliet Anyelo Dairo Leidys Maikel Yuberli Nayibe Eliécer Wendy Dilan Yorladis Ferney",
    "fr": "Aminata Moussa Fatou Ibrahima Awa Mamadou Aïssatou Ousmane | Ndèye Pape Mbayang Lamine Coumba Babacar Rokhaya Serigne Khady Modou Astou Ablaye",
    "ar": "محمد فاطمة أحمد مريم يوسف ليلى خالد رانيا | جمانة مؤمن بيسان غيث تسنيم براءة رزان عبير نغم قيس",
    "pt": "João Ana Lucas Mariana Gabriel Beatriz Thiago Larissa | Nércia Edson Celso Albertina Hélio Dulce Ilídio Argentina Elísio Zélia",
    "sw": "Juma Wanjiku Baraka Halima Otieno Neema Mwajuma Kibet | Tumaini Shabani Mwanaidi Ramadhani Siti Khamisi Zuhura Rashidi Mwanahawa Selemani",
}
FAMILY = {
    "en": "Kamau Mensah Okafor Adeyemi Otieno Boateng | Ndlovu Dlamini Moyo Chikwanha Mutasa Banda Phiri Zulu",
    "es": "Rodríguez Ospina Restrepo Quispe Mamani Giraldo | Caicedo Mosquera Palacios Rentería Cuesta Asprilla Valoyes Hinestroza",
    "fr": "Diallo Ndiaye Traoré Coulibaly Diop Camara | Gueye Faye Mbaye Sarr Thiam Seck Niang Cissokho",
    "ar": "الزعبي الخطيب حداد منصور العلي صالح | الرواشدة العبادي القضاة الطراونة البطاينة المجالي",
    "pt": "Silva Santos Macuácua Chissano Cossa Langa | Bila Nhaca Mahumane Cumbe Tivane Manjate Zandamela Muchanga",
    "sw": "Mwangi Otieno Kimaro Massawe Mollel Wekesa | Mnyampala Lyatuu Mchome Kileo Mwasakafyuka Shayo Ngowi Mushi",
}
PLACES = {
    "en": "Kibera Mathare Kakuma Dandora Ajegunle Nima | Bwaise Kisenyi Kawempe Namuwongo Obalende Makoko Kanyama Mbare",
    "es": "Soacha Usme Iztapalapa Ecatepec Callao | Altos_de_Cazucá Agua_Blanca Nezahualcóyotl Chalco Comas Moravia Siloé",
    "fr": "Pikine Yopougon Abobo Guédiawaye | Thiaroye Médina_Gounass Rufisque Koumassi Adjamé Masina Ndjili Kimbanseke",
    "ar": "الزعتري إربد المفرق شاتيلا | الرصيفة البقعة الطفيلة عين_الحلوة نهر_البارد السلط",
    "pt": "Maputo Matola Rocinha Heliópolis | Chamanculo Mafalala Xipamanine Maxaquene Cazenga Sambizanga Jacarezinho",
    "sw": "Kibera Mathare Dandora Kawangware | Manzese Tandale Mbagala Buguruni Kigogo Temeke Likoni Bangladesh",
}
DOMAINS = ("gmail.com", "yahoo.fr", "hotmail.com", "outlook.com", "mail.co.ke", "uol.com.br")


def _list(text: str) -> list[str]:
    return [w.replace("_", " ") for w in text.replace("|", " ").split()]


TEMPLATES: dict[str, list[str]] = {
    "en": [
        "My name is {name} and I want teachers to ask before they post our photos online.",
        "I'm {given}, 15, from {place}. Companies should not sell what we search for.",
        "If you want to know more call me on {phone} or write to {email}.",
        "At {school} they made us give our {id_cue} and nobody told us why.",
        "My friend {given} was bullied after someone shared her number {phone} in a group.",
        "We live at {address} and the youth centre is too far from us.",
        "Follow our club {handle}, we post about data rights every week.",
        "Read our petition at {link} and sign it please.",
        "{name} from {school} said the school keeps our health records in an open cupboard.",
        "The clinic in {place} asked for my {id_cue} before they would help me.",
        "I study at {school} and our teacher Mr. {family} explains privacy really well.",
        "Please send the results to {email}, I am the youth leader in {place}.",
        "Our group in {place} meets at {address} every Saturday.",
        "My brother {name} gave his phone {phone} to a loan app and now they call everyone.",
    ],
    "es": [
        "Me llamo {name} y quiero que el colegio no publique nuestras fotos sin permiso.",
        "Soy {given}, tengo 16 años y vivo en el barrio {place}.",
        "Si quieren más información me pueden llamar al {phone} o escribir a {email}.",
        "En el {school} nos pidieron la {id_cue} y nadie explicó para qué.",
        "Mi amiga {given} recibió mensajes de un desconocido que consiguió su número {phone}.",
        "Vivimos en la {address} y no hay transporte seguro para llegar al colegio.",
        "Sigan nuestra página {handle}, hablamos de derechos digitales.",
        "Pueden ver nuestra propuesta en {link}.",
        "{name} del {school} dijo que los profesores ven nuestras notas en el celular.",
        "En el puesto de salud de {place} me pidieron la {id_cue} para atenderme.",
        "Estudio en la {school} y la profesora {family} nos habló de privacidad.",
        "Mi hermano {name} dejó su teléfono {phone} en una aplicación de préstamos.",
        "Nos reunimos en {place}, en la {address}, todos los sábados.",
    ],
    "fr": [
        "Je m'appelle {name} et je veux que l'école demande avant de publier nos photos.",
        "Je suis {given}, j'ai 15 ans et j'habite à {place}.",
        "Pour plus d'informations appelez-moi au {phone} ou écrivez à {email}.",
        "Au {school} on nous a demandé notre {id_cue} sans rien expliquer.",
        "Mon amie {given} a reçu des messages d'un inconnu qui avait son numéro {phone}.",
        "Nous habitons {address} et le centre des jeunes est trop loin.",
        "Suivez notre club {handle} pour parler des droits numériques.",
        "Notre pétition est sur {link}, signez-la s'il vous plaît.",
        "{name} du {school} dit que les profs gardent nos dossiers dans une armoire ouverte.",
        "Au centre de santé de {place} on m'a demandé mon {id_cue} avant de me soigner.",
        "Je suis en seconde au {school} et Mme {family} nous parle souvent de vie privée.",
        "Mon frère {name} a donné son numéro {phone} à une application de prêt.",
        "Notre groupe de {place} se réunit au {address} chaque samedi.",
    ],
    "ar": [
        "اسمي {name} وأريد أن تسألنا المدرسة قبل نشر صورنا على الإنترنت.",
        "أنا {given} عمري ١٦ سنة وأسكن في {place}.",
        "للمزيد من المعلومات اتصلوا بي على {phone} أو راسلوني على {email}.",
        "في {school} طلبوا منا {id_cue} ولم يشرح لنا أحد السبب.",
        "صديقتي {given} وصلتها رسائل من شخص غريب حصل على رقمها {phone}.",
        "نسكن في {address} ومركز الشباب بعيد جداً عنا.",
        "تابعوا صفحتنا {handle} نتكلم فيها عن حقوقنا الرقمية.",
        "عريضتنا موجودة على {link} وقعوا عليها من فضلكم.",
        "{name} من {school} قال إن المعلمين يحتفظون بملفاتنا الصحية في خزانة مفتوحة.",
        "في العيادة في {place} طلبوا {id_cue} قبل أن يساعدوني.",
        "أدرس في {school} والأستاذة {family} تشرح لنا عن الخصوصية.",
        "أخي {name} أعطى رقمه {phone} لتطبيق قروض والآن يتصلون بالجميع.",
    ],
    "pt": [
        "Chamo-me {name} e quero que a escola peça autorização antes de publicar as nossas fotos.",
        "Eu sou {given}, tenho 15 anos e moro no bairro {place}.",
        "Para mais informações liguem para o {phone} ou escrevam para {email}.",
        "Na {school} pediram o nosso {id_cue} e ninguém explicou porquê.",
        "A minha amiga {given} recebeu mensagens de um desconhecido que tinha o número {phone}.",
        "Moramos na {address} e o centro juvenil fica muito longe.",
        "Sigam o nosso grupo {handle}, falamos de direitos digitais.",
        "A nossa petição está em {link}, assinem por favor.",
        "{name} da {school} disse que os professores guardam as nossas fichas num armário aberto.",
        "No posto de saúde de {place} pediram o meu {id_cue} antes de me atender.",
        "Estudo na {school} e o professor {family} fala-nos muito de privacidade.",
        "O meu irmão {name} deu o número {phone} a uma aplicação de empréstimos.",
    ],
    "sw": [
        "Jina langu ni {name} na nataka shule iombe ruhusa kabla ya kuweka picha zetu mtandaoni.",
        "Mimi ni {given}, nina miaka 15 na naishi {place}.",
        "Kwa maelezo zaidi nipigie simu {phone} au niandikie {email}.",
        "Katika {school} walituomba {id_cue} bila kutueleza sababu.",
        "Rafiki yangu {given} alipokea ujumbe kutoka kwa mtu asiyejulikana aliyepata namba yake {phone}.",
        "Tunaishi {address} na kituo cha vijana kiko mbali sana.",
        "Fuata klabu yetu {handle}, tunazungumza kuhusu haki za kidijitali.",
        "Ombi letu liko kwenye {link}, tafadhali saini.",
        "{name} wa {school} alisema walimu wanaweka kumbukumbu zetu za afya kwenye kabati wazi.",
        "Kwenye zahanati ya {place} waliniomba {id_cue} kabla ya kunisaidia.",
        "Ninasoma {school} na mwalimu {family} anatufundisha kuhusu faragha.",
        "Kaka yangu {name} alitoa namba yake {phone} kwa programu ya mikopo.",
    ],
}

# Sentences with no personal data: precision. Capitalised ordinary words on purpose.
ORDINARY = {
    "en": [
        "Teachers should ask us before they share our marks with other schools.",
        "I think WhatsApp and Facebook know too much about young people in Kenya.",
        "The Ministry of Education should explain why it collects our data every January.",
        "We want a youth centre near the market with free Wi-Fi and a library.",
        "Data about children should be deleted when it is not needed anymore.",
        "In Nigeria and Ghana many students use the same phone for the whole family.",
        "UNICEF and the Government must listen to what girls say about safety online.",
        "Our Science teacher told us that passwords should be long and secret.",
        "Most of my friends do not read the terms and conditions of TikTok.",
        "Health workers should keep our records locked and only share them with our consent.",
    ],
    "es": [
        "Los profesores deberían preguntarnos antes de compartir nuestras notas.",
        "Creo que WhatsApp y Facebook saben demasiado de los jóvenes en Colombia.",
        "El Ministerio de Educación debería explicar para qué recoge nuestros datos cada Enero.",
        "Queremos un centro juvenil cerca del parque con internet gratis y biblioteca.",
        "Los datos de los niños se deben borrar cuando ya no se necesitan.",
        "En México y Perú muchos estudiantes usan el mismo celular para toda la familia.",
        "La Alcaldía y el Gobierno tienen que escuchar lo que dicen las niñas sobre seguridad.",
        "Nuestra profesora de Ciencias nos dijo que las contraseñas deben ser largas y secretas.",
        "La mayoría de mis amigos no lee los términos y condiciones de TikTok.",
        "Los médicos deben guardar nuestras historias y compartirlas solo con permiso.",
    ],
    "fr": [
        "Les professeurs devraient nous demander avant de partager nos notes.",
        "Je pense que WhatsApp et Facebook en savent trop sur les jeunes au Sénégal.",
        "Le Ministère de l'Éducation doit expliquer pourquoi il collecte nos données chaque Janvier.",
        "Nous voulons un centre pour les jeunes près du marché avec internet gratuit.",
        "Les données des enfants doivent être effacées quand on n'en a plus besoin.",
        "En Côte d'Ivoire et au Mali beaucoup d'élèves partagent le même téléphone.",
        "La Mairie et le Gouvernement doivent écouter ce que disent les filles sur la sécurité.",
        "Notre professeur de Sciences dit que les mots de passe doivent rester secrets.",
        "La plupart de mes amis ne lisent pas les conditions d'utilisation de TikTok.",
        "Les infirmiers doivent garder nos dossiers fermés et les partager seulement avec notre accord.",
    ],
    "ar": [
        "يجب أن يسألنا المعلمون قبل مشاركة علاماتنا مع مدارس أخرى.",
        "أعتقد أن واتساب وفيسبوك يعرفان الكثير عن الشباب في الأردن.",
        "على وزارة التربية أن تشرح لماذا تجمع بياناتنا كل سنة.",
        "نريد مركزاً للشباب قرب السوق فيه إنترنت مجاني ومكتبة.",
        "يجب حذف بيانات الأطفال عندما لا تعود هناك حاجة إليها.",
        "في لبنان ومصر يستخدم كثير من الطلاب نفس الهاتف لكل العائلة.",
        "على الحكومة أن تستمع لما تقوله البنات عن الأمان على الإنترنت.",
        "قالت لنا معلمة العلوم إن كلمات السر يجب أن تكون طويلة وسرية.",
        "معظم أصدقائي لا يقرؤون شروط الاستخدام في تيك توك.",
        "على العاملين في الصحة حفظ ملفاتنا ومشاركتها فقط بموافقتنا.",
    ],
    "pt": [
        "Os professores deviam perguntar antes de partilhar as nossas notas.",
        "Acho que o WhatsApp e o Facebook sabem demasiado sobre os jovens em Moçambique.",
        "O Ministério da Educação devia explicar porque recolhe os nossos dados todo Janeiro.",
        "Queremos um centro juvenil perto do mercado com internet grátis e biblioteca.",
        "Os dados das crianças devem ser apagados quando já não são precisos.",
        "No Brasil e em Angola muitos alunos usam o mesmo telemóvel para a família toda.",
        "A Prefeitura e o Governo têm de ouvir o que as meninas dizem sobre segurança.",
        "A nossa professora de Ciências disse que as senhas devem ser longas e secretas.",
        "A maioria dos meus amigos não lê os termos e condições do TikTok.",
        "Os enfermeiros devem guardar as nossas fichas e partilhá-las só com autorização.",
    ],
    "sw": [
        "Walimu wanapaswa kutuuliza kabla ya kushiriki alama zetu na shule nyingine.",
        "Nadhani WhatsApp na Facebook wanajua mengi sana kuhusu vijana wa Kenya.",
        "Wizara ya Elimu ieleze kwa nini inakusanya taarifa zetu kila Januari.",
        "Tunataka kituo cha vijana karibu na soko chenye intaneti ya bure na maktaba.",
        "Taarifa za watoto zifutwe pale ambapo hazihitajiki tena.",
        "Huko Tanzania na Uganda wanafunzi wengi wanatumia simu moja kwa familia nzima.",
        "Serikali lazima isikilize wasichana wanavyosema kuhusu usalama mtandaoni.",
        "Mwalimu wetu wa Sayansi alisema nywila ziwe ndefu na za siri.",
        "Marafiki zangu wengi hawasomi masharti ya matumizi ya TikTok.",
        "Wahudumu wa afya watunze kumbukumbu zetu na kuzishiriki kwa ridhaa yetu tu.",
    ],
}

ID_CUES = {
    "en": ("national ID number {n8}", "passport number {pass}", "student number {n6}"),
    "es": ("cédula {cedula}", "tarjeta de identidad {n10}", "CURP {curp}"),
    "fr": ("numéro de carte d'identité {n12}", "passeport {pass}", "matricule {n6}"),
    "ar": ("رقم الهوية {n10}", "رقم جواز السفر {pass}", "الرقم الوطني {n10}"),
    "pt": ("CPF {cpf}", "bilhete de identidade {bi}", "número de estudante {n6}"),
    "sw": ("namba ya kitambulisho {n8}", "pasipoti {pass}", "namba ya mwanafunzi {n6}"),
}


def _digits(rng: random.Random, n: int) -> str:
    return str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(n - 1))


def _id_value(rng: random.Random, lang: str) -> tuple[str, int, int]:
    """(text, start, end) of an ID phrase: the cue is context, only the number is the span."""
    template = rng.choice(ID_CUES[lang])
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    values = {
        "n6": _digits(rng, 6), "n8": _digits(rng, 8), "n10": _digits(rng, 10), "n12": _digits(rng, 12),
        "pass": rng.choice(letters) + rng.choice(letters + "0123456789") + _digits(rng, 7),
        "cedula": f"{_digits(rng, 1)}.{_digits(rng, 3)}.{_digits(rng, 3)}.{_digits(rng, 3)}",
        "curp": "".join(rng.choice(letters) for _ in range(4)) + _digits(rng, 6) + "".join(rng.choice(letters) for _ in range(6)) + _digits(rng, 2),
        "cpf": f"{_digits(rng, 3)}.{_digits(rng, 3)}.{_digits(rng, 3)}-{_digits(rng, 2)}",
        "bi": _digits(rng, 12) + rng.choice(letters),
    }
    key = re.search(r"\{(\w+)\}", template)
    assert key
    value = values[key.group(1)]
    text = template.replace(key.group(), value)
    return text, key.start(), key.start() + len(value)


def _phone(rng: random.Random, lang: str) -> str:
    region = rng.choice(COUNTRIES[lang])
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    assert example is not None
    national = str(example.national_number)
    for _ in range(50):
        candidate = national[:3] + _digits(rng, len(national) - 3) if len(national) > 3 else national
        number = phonenumbers.parse(candidate, region)
        if phonenumbers.is_valid_number(number):
            break
    else:
        number = example
    style = rng.choice(("national", "international", "plain", "dashes"))
    if style == "national":
        text = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    elif style == "international":
        text = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    elif style == "plain":
        text = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL).replace(" ", "").replace("-", "")
    else:
        text = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL).replace(" ", "-")
    if lang == "ar" and rng.random() < 0.3:
        text = text.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    return text


def _school(rng: random.Random, lang: str, given: list[str], family: list[str], places: list[str]) -> str:
    g, f, p = rng.choice(given), rng.choice(family), rng.choice(places)
    forms = {
        "en": (f"{p} Primary School", f"{f} Secondary School", f"St. {g}'s Girls High School", f"{p} Mixed Day Secondary",
               f"{g} {f} Academy", f"{p} Boys High School"),
        "es": (f"Colegio {g} {f}", f"Institución Educativa {f}", f"Escuela Normal de {p}", f"Colegio Distrital {p}",
               f"Escuela Primaria {g} {f}"),
        "fr": (f"Lycée {g} {f}", f"École primaire de {p}", f"Collège Saint-{g}", f"Lycée de {p}", f"CEM {g} {f}"),
        "ar": (f"مدرسة {g} {f}", f"مدرسة {p} الثانوية", f"مدرسة {g} الأساسية", f"ثانوية {g}"),
        "pt": (f"Escola Secundária {g} {f}", f"Escola Primária de {p}", f"Escola Estadual {g} {f}", f"Colégio {f}"),
        "sw": (f"Shule ya Msingi {p}", f"Shule ya Sekondari {f}", f"{p} Secondary School", f"Shule ya Msingi {g} {f}"),
    }
    return rng.choice(forms[lang])


def _address(rng: random.Random, lang: str, family: list[str], places: list[str]) -> str:
    f, p, n = rng.choice(family), rng.choice(places), rng.randint(1, 250)
    forms = {
        "en": (f"{n} {f} Road", f"Plot {n}, {f} Street", f"{n} {f} Avenue, Apt {rng.randint(1, 40)}", f"P.O. Box {rng.randint(100, 99999)}"),
        "es": (f"Calle {n} # {rng.randint(1, 99)}-{rng.randint(1, 99)}", f"Carrera {n} No. {rng.randint(1, 99)}-{rng.randint(1, 99)}",
               f"Avenida {f} {n}", f"calle {f} {n}"),
        "fr": (f"{n} rue {f}", f"{n} avenue de {p}", f"Cité {f}, villa {n}", f"rue {n} x {rng.randint(1, 40)}"),
        "ar": (f"شارع {f}", f"شارع {p} بناية {n}", f"طريق {p}"),
        "pt": (f"Rua {f}, {n}", f"Avenida {f}, número {n}", f"Rua da {p}, casa {n}", f"Travessa {f} {n}"),
        "sw": (f"Mtaa wa {f} nyumba namba {n}", f"Barabara ya {p}", f"{f} Road plot {n}", f"S.L.P. {rng.randint(100, 9999)}"),
    }
    return rng.choice(forms[lang])


def _fill(rng: random.Random, lang: str, template: str) -> tuple[str, list[dict[str, object]]]:
    given, family, places = _list(GIVEN[lang]), _list(FAMILY[lang]), _list(PLACES[lang])
    text = ""
    spans: list[dict[str, object]] = []
    at = 0
    for match in re.finditer(r"\{(\w+)\}", template):
        text += template[at:match.start()]
        slot = match.group(1)
        start = len(text)
        kind = slot
        if slot == "name":
            value = f"{rng.choice(given)} {rng.choice(family)}" if rng.random() < 0.7 else rng.choice(given)
        elif slot == "given":
            value, kind = rng.choice(given), "name"
        elif slot == "family":
            value, kind = rng.choice(family), "name"
        elif slot == "place":
            value = rng.choice(places)
        elif slot == "school":
            value = _school(rng, lang, given, family, places)
        elif slot == "address":
            value = _address(rng, lang, family, places)
        elif slot == "phone":
            value = _phone(rng, lang)
        elif slot == "email":
            user = re.sub(r"\W", "", rng.choice(given).lower())
            user = user if user.isascii() and user else "user"
            value = f"{user}{rng.choice(('.', '_', ''))}{rng.randint(1, 2009)}@{rng.choice(DOMAINS)}"
        elif slot == "handle":
            value = f"@{rng.choice(('youth', 'vijana', 'jovenes', 'jeunes', 'shabab', 'juventude'))}_{rng.choice(('voice', 'data', 'club', 'ke', 'rd4c'))}{rng.randint(1, 99)}"
        elif slot == "link":
            value = rng.choice(("https://", "www.", "")) + rng.choice(("petition", "vozjoven", "sautiyetu", "notredroit", "nossavoz")) + f"{rng.randint(1, 99)}." + rng.choice(("org", "com", "net", "co.ke", "org.br"))
            if value.startswith("https://") and rng.random() < 0.5:
                value += "/sign"
        elif slot == "id_cue":
            phrase, id_start, id_end = _id_value(rng, lang)
            text += phrase
            spans.append({"start": start + id_start, "end": start + id_end, "kind": "id"})
            at = match.end()
            continue
        else:
            raise KeyError(slot)
        text += value
        spans.append({"start": start, "end": start + len(value), "kind": kind})
        at = match.end()
    text += template[at:]
    return text, spans


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for lang in TEMPLATES:
        rng = random.Random(f"baraza-screening-{lang}")
        rows = []
        for i in range(PER_LANGUAGE):
            if i % 5 == 4:  # one in five has no personal data
                text, spans = rng.choice(ORDINARY[lang]), []
            else:
                text, spans = _fill(rng, lang, rng.choice(TEMPLATES[lang]))
            rows.append({"lang": lang, "countries": list(COUNTRIES[lang]), "text": text, "spans": spans})
        with (OUT / f"{lang}.jsonl").open("w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"{lang}: {len(rows)} texts, {sum(len(r['spans']) for r in rows)} spans")


if __name__ == "__main__":
    main()
