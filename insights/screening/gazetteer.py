"""Given names, family names and places the screen knows, per region, written for Baraza.

Lists of names are facts; these were written by hand for the regions Baraza's consultations
run in (East and West Africa, Latin America, the Arab world, South Asia, Europe), in Latin and
Arabic script. They do not have to be complete: a capitalised word that is not an ordinary word
of the language is treated as a name or a place anyway (see `engine.py`); the lists add names
written in lower case, names that are also ordinary words in context, and Arabic, which has no
capital letters. Spelling variants without accents are matched through `baraza.screening.fold`.
"""

from __future__ import annotations

GIVEN_NAMES = {
    "east_africa": """
        abdi abdullahi achieng adhiambo akinyi akoth amina amani anyango apiyo asha atieno auma awino ayaan
        baraka bahati brian bakari chebet chege cherono chepkoech dennis eunice faith fatuma gathoni halima hamisi
        hassani imani jabali jelagat jepchirchir jeptoo juma kamau kariuki kemunto kerubo kibet kiprono kiplagat kipchoge
        kinyua kioko kiptoo langat makena maina mbugua mugo muthoni mwangi mwende mumbua mutua mwikali nafula nanjala
        nasimiyu nekesa neema nduta njeri njoki njambi njuguna nyambura nyokabi ochieng odhiambo okoth omondi onyango otieno
        owino oduya pendo rehema saida salim shukuru sifa tumaini wafula wairimu wambui wangari wanjiku wanjiru wanjala
        wekesa waweru zawadi zuberi mwajuma mwanaisha mariamu khadija zuhura subira furaha upendo baraka tatu
        nakato nabirye namukasa nansubuga nakimuli ssemakula mukasa kato wasswa babirye kyomuhendo tumusiime ainembabazi
        kagame uwase uwimana mugisha ishimwe iradukunda niyonsaba habimana nshimiyimana mutesi ingabire umutoni
        abebe almaz bekele dawit genet hirut kebede mekdes selam tesfaye tigist yohannes yonas meron hanna liya
        abdirahman abdikarim hodan ifrah sahra hamdi farhan warsame yasmin ubah ilhan deka kaltun
    """,
    "west_africa": """
        abena abiodun adama adaeze adebayo adenike adeola adesuwa adwoa afia afua akosua akua ama amadou aminata
        awa ayodele ayo babajide bola chiamaka chidi chidinma chinedu chinonso chioma chukwuma efua emeka esi fatou
        fatoumata folake funmilayo ibrahima ifeanyi ifeoma ikechukwu kadiatou kemi kofi kojo kwabena kwaku kwame kwesi
        mamadou mariama moussa ngozi nkechi nnamdi obinna olamide oluwaseun oluwadamilare olumide oumar ousmane rokia
        seun sekou souleymane tunde temitope yaw yaa yetunde zainab aissatou binta boubacar cheikh coumba djeneba
        fanta issa kadidia lamine mariam modou ndeye oumou penda seydou sira tidiane yacouba aboubacar aicha
        abdoulaye alpha bakary daouda fode hawa kadiatu mohamed nana sadio salif assane babacar khady astou
    """,
    "latin_america": """
        alejandra alejandro ana andrea andres angela antonella antonio beatriz camila carlos carolina catalina cesar
        cristian daniela david diana diego eduardo elena emiliano esteban fabiola felipe fernanda fernando francisco
        gabriela gerardo guadalupe guillermo gustavo hector ignacio isabella javier jesus jimena jorge jose josefina
        juan juliana julian karla laura leonardo lucia luis manuel marcela marco maria mariana martin mateo matias
        mauricio mercedes miguel monica natalia nicolas oscar pablo paola patricia pedro rafael ramon ricardo roberto
        rodrigo rosario santiago sebastian sergio sofia valentina valeria vanesa veronica ximena yesenia yolanda
        brayan brandon jhon jhonatan jeison yeison estefania stefany yuliana yurani leidy maicol wilmer edwin
        alba ximena renata regina romina agustina florencia milagros abril benjamin thiago joaquin tomas bruno
        lautaro ignacia constanza fernando yaritza dayana genesis keila nayeli itzel xochitl cuauhtemoc
    """,
    "lusophone": """
        joao joana jose maria antonio ana francisco francisca carlos paulo pedro lucas luiz luis marcos gabriel
        rafael daniel marcelo bruno eduardo felipe raimundo rodrigo manoel manuel adriana juliana marcia fernanda
        patricia aline sandra camila amanda bruna jessica leticia julia luana mariana vanessa thiago matheus
        guilherme gustavo vinicius leonardo caio arthur enzo heitor davi miguel bernardo valentina helena alice
        laura manuela isadora beatriz lorena yasmin larissa raissa thais tatiana debora rosangela cleide
        anselmo armando celestino domingos ermelinda felisberto fernando graca inocencio joaquim lurdes nelson
        zacarias zeferino amelia custodio eusebio filomena nelia osvaldo abilio albino alcinda
    """,
    "arab_world": """
        ahmad ahmed ali amal amina amira aya ayman bassam batoul bilal dalia dana fadi farah fatima ghada hadi hala
        hamza hana hassan hiba hussein ibrahim iman ismail jamal jana karim khaled khalid lama layla leila lina
        mahmoud majd malak marwa maryam mohamed mohammad mohammed mona mustafa nabil nada nadia nour omar rami
        rana rania rasha reem salma sami samir sara sarah tamer tariq walid yara yasmin yousef youssef zaid zeinab
        abdallah abdullah abdelrahman abdulrahman anas baraa doaa eman esraa hadeel haneen heba isra jood lujain
        mariam mazen moataz muath nawal osama qusay raghad rawan ruba saja shahad tala taim wafa waleed yazan
        zahra zainab ammar anwar bashar fares ghassan habib haitham hisham imad kamal louay maher marwan nizar
        rashid said saeed salah sultan tawfiq wael yahya ziad abir asma basma dima fadwa huda inas kholoud
        lubna maha manal muna najwa rima rola samar suha wissam hajar ilyas yassine soufiane mehdi nassim
    """,
    "south_asia": """
        aarav aditya ajay akash amit anil anita anjali arjun arun asha ayesha deepak divya farhan ganesh gaurav
        harish imran kavita kiran krishna lakshmi manish meena mohan neha nikhil pooja priya rahul raj rajesh
        ravi rohit sachin sanjay shabnam shreya sita sunil sunita suresh tanvir vijay vikram zara zubair
        abdul asif bilal faisal hamid irfan javed kashif nadeem rashid sadia saima shazia tahir usman waqar
        rakib rahim karim nasrin farzana shahana tasnim sumaiya rupa shamim habibur mizanur
    """,
    "europe": """
        adam alexander alice amelia anna anne benjamin charlotte chloe claire daniel david elena elizabeth emily
        emma ethan eva george grace hannah harry isabelle jack jacob james jane jessica john joseph julia kate
        katherine laura liam lucy mark mary matthew michael nathan oliver olivia paul peter rachel rebecca robert
        samuel sophie thomas william catherine christopher andrew jennifer sarah linda susan karen nancy betty
        margaret sandra ashley kimberly donna carol michelle amanda melissa deborah stephanie laura helen
        kevin jason jeffrey ryan gary nicholas eric jonathan stephen larry justin scott brandon frank
        gregory raymond patrick dennis jerry tyler aaron henry douglas peter walter kyle noah harold
        jean pierre marie sophie camille lea manon chloe louis lucas hugo jules gabriel arthur theo nathan
        mathieu nicolas julien antoine guillaume francois thierry philippe celine isabelle nathalie sylvie
        hans klaus jurgen stefan lukas lena mia anja katrin piotr anna katarzyna tomasz marek agnieszka
        giuseppe giovanni francesco alessandro luca marco chiara giulia francesca sofia matteo lorenzo
        ivan dmitri olga natasha sergei tatiana yuri svetlana mikhail irina
        lars erik nils sven ingrid astrid karin birgit jens mette anders johan ole
    """,
}

# Names that are also everyday words (in one of Baraza's languages) need more than the word
# itself: a capital mid-sentence, a cue ("my name is"), or a name beside it.
AMBIGUOUS_NAMES = """
    amani baraka bahati imani neema zawadi furaha upendo pendo subira rehema tumaini faraja sifa tatu juma hawa
    salama shukuru said amal nour noor salam huda hala hana dana rana reem lina mona muna nada sara jana
    grace faith hope joy rose will mark bill frank may june april august summer dawn ruby jack sunny
    luz paz rosa sol flor mar cruz gloria pilar dolores esperanza victoria reina angel angeles consuelo
    blanca clara alegria milagros rosario mercedes aurora estrella abril
    nana ama awa yaa esi kofi alpha fanta issa assane sadio penda
    alba caio davi enzo tala rola rima taim
    asha sita ali karim
""".split()

FAMILY_NAMES = {
    "east_africa": """
        kamau mwangi otieno ochieng odhiambo omondi onyango wanjiru njoroge kariuki kimani macharia maina mutua musyoka
        kiprotich kipkemboi kiprop rotich kosgei chepkoech cheruiyot korir langat mutai wafula wekesa barasa simiyu
        wambua kilonzo nyamweya momanyi ongeri nyaboke mohamud abdi hassan warsame farah mwakilema mwakyusa magesa
        mushi massawe swai lyimo kimaro shirima temba urassa mrema kweka mollel laizer lukumay mfinanga nyerere
        mkapa kikwete magufuli museveni okello opio ocen odongo ojok akello atim nakamya ssempala lubega kagame
        mugabe hakizimana niyonzima uwimana bizimana tesfaye gebremedhin haile bekele girma alemu tadesse
    """,
    "west_africa": """
        adeyemi adebayo okafor okeke nwosu eze obi okonkwo chukwu balogun ogunleye oyelaran afolabi adeleke bello
        mensah asante owusu boateng agyeman osei ofori appiah darko amoah diallo diop ndiaye fall sow ba sy toure
        traore keita coulibaly kone ouedraogo sawadogo kabore camara cisse sylla bah barry conde kourouma sankara
        tounkara dembele sissoko diarra doumbia fofana kante konate sangare yeboah quaye tetteh annan nkrumah
    """,
    "latin_america": """
        garcia rodriguez martinez hernandez lopez gonzalez perez sanchez ramirez torres flores rivera gomez diaz
        cruz morales reyes gutierrez ortiz chavez ramos ruiz jimenez mendoza alvarez castillo vasquez vargas romero
        herrera medina castro guzman munoz rojas moreno silva aguilar vega delgado cabrera mejia cardenas pena
        salazar navarro rios soto molina contreras sandoval carrillo dominguez cortes espinoza fuentes ospina
        quintero restrepo zapata giraldo arango velasquez henao londono cardona osorio valencia ocampo bermudez
        quispe mamani huaman condori chambi flores ticona apaza choque coaquira
    """,
    "lusophone": """
        silva santos oliveira souza sousa rodrigues ferreira alves pereira lima gomes costa ribeiro martins carvalho
        almeida lopes soares fernandes vieira barbosa rocha dias nascimento andrade moreira nunes marques machado
        mendes freitas cardoso ramos goncalves santana teixeira araujo cavalcanti monteiro correia pinto macuacua
        chissano guebuza mondlane machel cossa langa mabunda nhantumbo matsinhe tembe sitoe muianga chilaule mucavele
        dos-santos neto baptista tavares cabral
    """,
    "arab_world": """
        abdallah abdelaziz abdullah ahmad al-ahmad al-ali al-hassan al-khatib al-masri al-najjar al-sayed al-shami
        haddad hamdan hassan hussein ibrahim ismail jaber khalil khoury mansour masri mohammed nasser othman
        qasim rahman saleh salem shalabi suleiman taha yousef zaki zidan hijazi darwish barakat aziz bakri
        benali bennani el-amrani alaoui tazi idrissi benjelloun berrada chraibi fassi haddou ouali
        el-sayed abdel-rahman mahmoud mostafa soliman fahmy ghanem hegazy shehata eid
    """,
    "south_asia": """
        khan ahmed hussain ali shah sheikh chowdhury rahman islam hossain begum akter sharma verma gupta singh kumar
        patel reddy rao iyer nair menon das banerjee chatterjee mukherjee bose sen ghosh mehta joshi kapoor malik
        qureshi siddiqui ansari butt chaudhry rana mirza baig
    """,
    "europe": """
        smith johnson williams brown jones miller davis wilson anderson taylor thomas moore jackson martin lee
        thompson white harris clark lewis robinson walker young allen king wright scott hill green adams baker
        nelson carter mitchell roberts turner phillips campbell parker evans edwards collins stewart morris murphy
        cook rogers morgan cooper peterson bailey reed kelly howard cox ward richardson watson brooks wood james
        bennett gray hughes price sanders myers long ross foster
        dubois durand leroy moreau simon laurent lefebvre michel garcia david bertrand roux vincent fournier
        morel girard andre mercier dupont lambert bonnet francois martinez legrand garnier faure rousseau blanc
        muller schmidt schneider fischer weber meyer wagner becker schulz hoffmann rossi russo ferrari esposito
        bianchi romano colombo ricci marino greco bruno gallo conti costa giordano nowak kowalski wisniewski
        novak horvat kovac ivanov petrov smirnov popescu hansen johansen nielsen jensen larsen andersen
        pedersen olsen eriksson karlsson nilsson lindberg virtanen korhonen
    """,
}

FAMILY_NAMES_AR = """
    الاحمد العلي الحسن الخطيب المصري النجار السيد الشامي حداد حمدان حسن حسين ابراهيم اسماعيل جابر خليل خوري منصور
    ناصر عثمان قاسم صالح سالم سليمان طه يوسف زكي زيدان حجازي درويش بركات عزيز بكري العمراني العلوي التازي الادريسي
    محمود مصطفى سليمان فهمي غانم حجازي شحاتة عيد الزعبي العتوم الخوالدة المومني الشريف الحلبي الدمشقي البغدادي
    العبدالله الحمدان الرفاعي الكردي التميمي العنزي الشمري القحطاني الدوسري الغامدي الزهراني العمري الحربي المطيري
""".split()

GIVEN_NAMES_AR = """
    احمد محمد علي امل امينه اميره ايه ايمن بسام بتول بلال داليا دانه فادي فرح فاطمه غاده هادي هاله حمزه هناء حسن
    هبه حسين ابراهيم ايمان اسماعيل جمال جنى كريم خالد لمى ليلى لينا محمود مجد ملك مروه مريم محمد منى مصطفى نبيل
    ندى ناديه نور عمر رامي رنا رانيا رشا ريم سلمى سامي سمير ساره تامر طارق وليد يارا ياسمين يوسف زيد زينب عبدالله
    عبدالرحمن انس براء دعاء اسراء هديل حنين اسراء جود لجين مازن معتز معاذ نوال اسامه قصي رغد روان ربى سجى شهد
    تاله تيم وفاء عمار انور بشار فارس غسان حبيب هيثم هشام عماد كمال لؤي ماهر مروان نزار راشد سعيد صلاح سلطان
    توفيق وائل يحيى زياد عبير اسماء بسمه ديما فدوى هدى ايناس خلود لبنى مها منال نجوى ريما رولا سمر سهى وسام
    هاجر الياس ياسين سفيان مهدي نسيم عائشه خديجه حليمه سعاد نجلاء ابتسام رقيه صفيه سميه جميله عثمان عمرو
""".split()

# Arabic given names that are also everyday words (amal "hope", nour "light", huda, jamila...).
AMBIGUOUS_NAMES_AR = "علي امل نور هدى سعيد جميله كريم حسن منى ندى سلمى ملك فرح ايمان وفاء بسمه سمر رغد مجد جود".split()

# Towns, neighbourhoods, settlements and camps where Baraza runs, and big cities: an exact
# place in a young person's words can single them out (a camp block, a village, a quarter).
PLACES = """
    kibera mathare kawangware mukuru korogocho kariobangi eastleigh githurai kangemi dandora huruma kayole
    nairobi mombasa kisumu nakuru eldoret thika machakos kakamega garissa lodwar kitale malindi nyeri kakuma
    kalobeyei dadaab hagadera dagahaley turkana wajir mandera marsabit isiolo kilifi kwale lamu kampala gulu
    lira mbarara jinja arua bidibidi nakivale kyangwali rwamwanja adjumani kiryandongo dodoma arusha mwanza
    mbeya morogoro tanga zanzibar kigoma nyarugusu nduta mtendeli kibondo kigali huye musanze gisenyi butare
    mahama kiziba gihembe gondar mekelle gambella mogadishu hargeisa kismayo baidoa garowe malakal wau yei
    bentiu lagos abuja kano ibadan kaduna maiduguri enugu onitsha jos ilorin ajegunle makoko accra kumasi tamale
    takoradi nima ashaiman dakar pikine guediawaye thies touba kaolack ziguinchor bamako mopti gao timbuktu
    ouagadougou niamey agadez abidjan bouake yopougon abobo cocody conakry freetown kenema monrovia lome cotonou
    kinshasa goma bukavu lubumbashi kisangani bunia bogota medellin barranquilla cartagena cucuta bucaramanga
    manizales soacha usme engativa caracas maracaibo quito guayaquil callao arequipa cochabamba tegucigalpa
    managua tijuana monterrey guadalajara ecatepec iztapalapa neza tapachula puebla oaxaca recife fortaleza
    manaus belem curitiba rocinha heliopolis paraisopolis brasilia campinas maputo matola nampula quelimane
    pemba chimoio inhambane xai-xai luanda benguela huambo lobito bissau mindelo amman zarqa irbid mafraq
    zaatari azraq ramtha beirut tripoli sidon shatila bekaa baalbek damascus aleppo homs idlib hama raqqa daraa
    latakia baghdad mosul basra erbil duhok sulaymaniyah cairo alexandria giza assiut luxor aswan khartoum
    omdurman nyala kassala gaza rafah jabalia hebron nablus ramallah jenin sanaa aden taiz hodeidah marib
    casablanca rabat fes marrakech tangier agadir oujda tunis sfax sousse algiers oran constantine nouakchott
    kutupalong dhaka chittagong karachi lahore peshawar quetta kabul herat kandahar delhi mumbai kolkata chennai
    bangalore dharavi
""".split()
# Multi-word places, matched as a sequence of words.
MULTIWORD_PLACES = (
    "addis ababa", "dire dawa", "port harcourt", "bobo dioulasso", "ciudad bolivar", "la paz", "el alto", "santa cruz",
    "san pedro sula", "san salvador", "ciudad juarez", "rio de janeiro", "sao paulo", "belo horizonte", "porto alegre",
    "capao redondo", "ein el hilweh", "deir ezzor", "el fasher", "khan younis", "cox's bazar", "burj barajneh",
    "dar es salaam", "cape town", "port au prince", "lima", "cali", "juba", "beira", "valencia", "san jose", "bor",
)
# Place names in Arabic script.
PLACES_AR = """
    عمان الزرقاء اربد المفرق الزعتري الرمثا بيروت طرابلس صيدا شاتيلا البقاع بعلبك دمشق حلب حمص ادلب حماه
    الزور الرقه درعا اللاذقيه بغداد الموصل البصره اربيل دهوك السليمانيه القاهره الاسكندريه الجيزه اسيوط الاقصر
    اسوان الخرطوم امدرمان نيالا الفاشر كسلا غزه خانيونس رفح جباليا الخليل نابلس جنين صنعاء عدن تعز الحديده
    مارب الرباط فاس مراكش طنجه اكادير وجده تونس صفاقس سوسه الجزائر وهران قسنطينه نواكشوط
    جرش مادبا الكرك معان العقبه الرصيفه السلط صويلح الهاشمي ماركا الطفيله
""".split()

# Words a capitalised name-like word never is in Baraza's languages, and words that look like
# names but are days, months, languages, religions, apps or institutions young people mention.
NOT_NAMES = """
    i i'm i'll i've i'd ok okay yes no hi hello please thanks thank sorry
    monday tuesday wednesday thursday friday saturday sunday january february march april may june july
    august september october november december lunes martes miercoles jueves viernes sabado domingo enero
    febrero marzo abril mayo junio julio agosto septiembre setiembre octubre noviembre diciembre lundi mardi
    mercredi jeudi vendredi samedi dimanche janvier fevrier mars avril mai juin juillet aout septembre octobre
    novembre decembre segunda terca quarta quinta sexta sabado domingo janeiro fevereiro marco abril maio
    junho julho agosto setembro outubro novembro dezembro jumatatu jumanne jumatano alhamisi ijumaa jumamosi
    jumapili januari februari machi aprili juni julai agosti septemba oktoba novemba desemba
    english spanish french arabic portuguese swahili kiswahili ingles espanol frances arabe portugues anglais
    espagnol arabe kiingereza kifaransa kiarabu christian muslim islam christianity god allah jesus mungu dios
    dieu deus bible quran koran church mosque ramadan eid christmas easter navidad noel natal pasaka krismasi
    wi-fi wifi whatsapp facebook instagram tiktok twitter youtube google snapchat telegram signal internet wifi covid
    unicef unhcr unesco who ngo ngos un eu au government ministry gobierno ministerio gouvernement ministere
    governo ministerio serikali wizara africa america europe asia african american european asian
    kenya tanzania uganda rwanda ethiopia somalia nigeria ghana senegal mali niger colombia mexico brazil
    brasil peru venezuela ecuador bolivia chile argentina mozambique mocambique angola jordan lebanon syria
    iraq egypt sudan yemen morocco tunisia algeria palestine bangladesh pakistan india afghanistan
    kenyan tanzanian ugandan somali nigerian ghanaian colombian mexican brazilian syrian iraqi egyptian
    sudanese yemeni palestinian lebanese jordanian moroccan afghan rohingya
    president presidente mayor alcalde teacher profesor professeur professor mwalimu doctor daktari
    mr mrs ms miss dr sir madam sr sra srta don dona senor senora monsieur madame mme mlle bwana bi mzee
""".split() + """
    safaricom airtel m-pesa mpesa mtn vodacom vodafone tigo claro movistar telcel zain umniah orange ooredoo jawwal
    moov opay palmpay flutterwave glo etisalat halotel ecocash econet mcel movitel unitel africell digicel nequi
    daviplata bancolombia picpay nubank mobicash wave money pesa telecom telkom faiba zuku equity kcb
    roblox fortnite minecraft pubg freefire discord twitch reddit pinterest linkedin bereal likee kwai shein temu
    jumia kilimall mercadolibre olx uber bolt rappi didi glovo netflix spotify chatgpt openai gemini alexa siri
    samsung iphone android huawei tecno infinix itel xiaomi nokia microsoft amazon
    wfp unfpa iom ocha unrwa icrc msf oxfam undp unhcr's unicef's irc nrc
    huduma ecitizen nhif nssf kra sisben renaper
    northern southern eastern western central atlantic pacific caribbean mediterranean arab arabs republic kingdom
    royal federal national zealand zealanders zealander kiwi kiwis maori euro euros brexit
""".split()
# Organisations, services and programmes young people name by several words: never a person.
ORGANISATION_PHRASES = (
    "free fire", "airtel money", "orange money", "mtn momo", "mercado libre", "save the children", "plan international",
    "world vision", "world bank", "red cross", "red crescent", "cruz roja", "croix-rouge", "croix rouge",
    "cruz vermelha", "huduma namba", "bolsa familia", "world food programme",
)
# A capitalised word before one of these names an organisation, not a person ("Nera Economic
# Consulting", "Equity Bank", "Kilele Foundation").
ORGANISATION_ENDINGS = """
    ltd ltd. limited inc inc. llc plc corp corp. corporation company co. group bank telecom telecoms mobile money pay
    consulting foundation fondation fundacion fundação fundacao trust sacco microfinance insurance solutions
    technologies systems networks media holdings ventures enterprises industries partners associates
    sa s.a. sarl sas gmbh
""".split()

TITLES = """
    mr mrs ms miss dr prof sir madam sr sra srta don dona doña senor señor senora señora monsieur madame mme mlle
    m. bwana bi mzee mama baba dada kaka shangazi mjomba mwalimu teacher coach pastor father sister brother uncle
    aunt auntie tio tia tío tía profe profesor profesora professeur maitre maître oncle tante soeur frere frère
    tia professor professora irmao irmão irma irmã
""".split()
