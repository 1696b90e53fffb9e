"""The catalogue a new clinic starts with, per jurisdiction profile: codes of the national tariff (NO), CPT and
HCPCS (US), NGAP and CCAM (FR), or the clinic's own where no national code fits; prices are the clinic's
defaults, not law, and the office manager changes them with effective dates. Names and explanations are written
for patients in every language the product speaks. Seeded by migration 0002; demo invoices bill from it."""

from dataclasses import dataclass

# key -> language -> (name, plain explanation)
TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "gp_consultation": {
        "en": ("GP consultation", "A standard appointment with a doctor, about 15 minutes."),
        "fr": ("Consultation de médecine générale", "Un rendez-vous classique avec un médecin, d'environ 15 minutes."),
        "pt": ("Consulta de medicina geral", "Uma consulta normal com um médico, de cerca de 15 minutos."),
        "nb": ("Legetime", "En vanlig time hos lege, omtrent 15 minutter."),
        "ru": ("Консультация врача общей практики", "Обычный приём у врача, около 15 минут."),
    },
    "long_consultation": {
        "en": ("Long consultation", "An appointment of about 30 minutes, for several or complex problems."),
        "fr": (
            "Consultation longue",
            "Un rendez-vous d'environ 30 minutes, pour plusieurs problèmes ou un problème complexe.",
        ),
        "pt": (
            "Consulta longa",
            "Uma consulta de cerca de 30 minutos, para vários problemas ou problemas complexos.",
        ),
        "nb": ("Lang legetime", "En time på omtrent 30 minutter, for flere eller sammensatte plager."),
        "ru": ("Длительная консультация", "Приём около 30 минут, если проблем несколько или они сложные."),
    },
    "specialist_consultation": {
        "en": (
            "Specialist consultation",
            "An appointment with a specialist doctor; your health insurance pays its share to us directly.",
        ),
        "fr": (
            "Consultation de spécialiste",
            "Un rendez-vous avec un médecin spécialiste ; votre assurance santé nous verse directement sa part.",
        ),
        "pt": (
            "Consulta de especialidade",
            "Uma consulta com um médico especialista; o seu seguro de saúde paga-nos diretamente a parte dele.",
        ),
        "nb": (
            "Time hos spesialist",
            "En time hos legespesialist; helseforsikringen din betaler sin del direkte til oss.",
        ),
        "ru": (
            "Консультация специалиста",
            "Приём у врача-специалиста; Ваша медицинская страховка оплачивает свою часть напрямую нам.",
        ),
    },
    "blood_test": {
        "en": ("Blood test", "Taking the sample and the standard laboratory analysis."),
        "fr": ("Prise de sang", "Le prélèvement et l'analyse de laboratoire standard."),
        "pt": ("Análise ao sangue", "A colheita da amostra e a análise laboratorial habitual."),
        "nb": ("Blodprøve", "Prøvetaking og vanlig laboratorieanalyse."),
        "ru": ("Анализ крови", "Взятие пробы и стандартный лабораторный анализ."),
    },
    "ecg": {
        "en": ("ECG (heart tracing)", "The recording and the doctor's reading of the result."),
        "fr": ("ECG (électrocardiogramme)", "L'enregistrement et l'interprétation du résultat par le médecin."),
        "pt": ("ECG (eletrocardiograma)", "O registo e a leitura do resultado pelo médico."),
        "nb": ("EKG (hjerteundersøkelse)", "Registreringen og legens tolkning av resultatet."),
        "ru": ("ЭКГ (электрокардиограмма)", "Запись и расшифровка результата врачом."),
    },
    "dressing_materials": {
        "en": ("Dressing materials", "Bandages, plasters and other materials used in your treatment."),
        "fr": ("Matériel de pansement", "Bandes, pansements et autre matériel utilisé pour vos soins."),
        "pt": ("Material de penso", "Ligaduras, pensos e outro material usado no seu tratamento."),
        "nb": ("Forbruksmateriell", "Bandasjer, plaster og annet materiell som ble brukt i behandlingen din."),
        "ru": ("Перевязочные материалы", "Бинты, пластыри и другие материалы, использованные при Вашем лечении."),
    },
    "certificate": {
        "en": (
            "Medical certificate",
            "A written statement from the doctor, for example for work, school or insurance.",
        ),
        "fr": (
            "Certificat médical",
            "Une attestation écrite du médecin, par exemple pour le travail, l'école ou l'assurance.",
        ),
        "pt": (
            "Atestado médico",
            "Uma declaração escrita do médico, por exemplo para o trabalho, a escola ou o seguro.",
        ),
        "nb": (
            "Legeerklæring",
            "En skriftlig erklæring fra legen, for eksempel til arbeidsgiver, skole eller forsikring.",
        ),
        "ru": (
            "Медицинская справка",
            "Письменное заключение врача, например для работы, учёбы или страховщика.",
        ),
    },
    "records_copy": {
        "en": ("Copy of your medical records", "A paper copy of your medical records, postage included."),
        "fr": ("Copie de votre dossier médical", "Une copie papier de votre dossier médical, frais d'envoi compris."),
        "pt": (
            "Cópia do seu processo clínico",
            "Uma cópia em papel do seu processo clínico, com portes de correio incluídos.",
        ),
        "nb": ("Kopi av journalen din", "En papirkopi av pasientjournalen din, porto inkludert."),
        "ru": ("Копия медицинской карты", "Бумажная копия Вашей медицинской карты, включая почтовые расходы."),
    },
    "no_show": {
        "en": ("Missed appointment fee", "Charged when an appointment is not cancelled at least 24 hours before."),
        "fr": (
            "Frais de rendez-vous manqué",
            "Facturés lorsqu'un rendez-vous n'est pas annulé au moins 24 heures à l'avance.",
        ),
        "pt": (
            "Taxa por falta à consulta",
            "Cobrada quando uma consulta não é desmarcada com pelo menos 24 horas de antecedência.",
        ),
        "nb": ("Gebyr for ikke møtt time", "Belastes når en time ikke er avbestilt senest 24 timer før."),
        "ru": ("Плата за пропущенный приём", "Взимается, если приём не отменён как минимум за 24 часа."),
    },
    "vaccination": {
        "en": (
            "Vaccination",
            "The injection and the advice that goes with it; the vaccine itself is priced separately.",
        ),
        "fr": (
            "Vaccination",
            "L'injection et les conseils qui l'accompagnent ; le vaccin lui-même est facturé à part.",
        ),
        "pt": ("Vacinação", "A injeção e o aconselhamento que a acompanha; a vacina em si é cobrada à parte."),
        "nb": ("Vaksinering", "Injeksjonen og rådene som hører med; selve vaksinen har egen pris."),
        "ru": ("Вакцинация", "Укол и консультация к нему; сама вакцина оплачивается отдельно."),
    },
}


@dataclass(frozen=True)
class DefaultService:
    key: str  # into TEXTS
    code: str
    coding_system: str
    kind: str
    price: str
    default_coverage: str = "patient"
    exemption_card_applies: bool = True
    estimable: bool = True  # off for fees that are not care: a missed appointment, a copy of records
    help_article_slug: str = ""
    is_available: bool = True


# The help articles bill lines link to (portal's migrations seed them in every language): why the exemption card
# (frikort) does not cover a line, what a copy of the records costs, why a laboratory charge comes on its own.
CARD_HELP = "exemption-card"
RECORDS_HELP = "records-copy"
LAB_HELP = "lab-charge-separately"

SERVICES: dict[str, list[DefaultService]] = {
    # Norwegian GP tariff (normaltariffen) codes where there is one; the demo's bills charge these prices.
    "NO": [
        DefaultService("gp_consultation", "2ad", "no_tariff", "consultation", "183.00"),
        DefaultService("long_consultation", "2ak", "no_tariff", "consultation", "272.00"),
        DefaultService(
            "specialist_consultation", "2cd", "local", "consultation", "1250.00", default_coverage="insurer"
        ),
        DefaultService("blood_test", "701a", "no_tariff", "lab", "62.00", help_article_slug=LAB_HELP),
        DefaultService("ecg", "11ad", "no_tariff", "procedure", "110.00"),
        DefaultService(
            "dressing_materials",
            "MAT",
            "local",
            "material",
            "85.00",
            exemption_card_applies=False,
            help_article_slug=CARD_HELP,
        ),
        DefaultService(
            "certificate",
            "L1",
            "local",
            "certificate",
            "450.00",
            exemption_card_applies=False,
            help_article_slug=CARD_HELP,
        ),
        DefaultService(
            "records_copy",
            "KOPI",
            "local",
            "records_copy",
            "95.00",
            exemption_card_applies=False,
            estimable=False,
            help_article_slug=RECORDS_HELP,
        ),
        DefaultService(
            "no_show",
            "IM",
            "local",
            "no_show",
            "383.00",
            exemption_card_applies=False,
            estimable=False,
            help_article_slug=CARD_HELP,
        ),
        DefaultService("vaccination", "VAKS", "local", "vaccination", "200.00", is_available=False),
    ],
    "US": [
        DefaultService("gp_consultation", "99213", "cpt", "consultation", "150.00"),
        DefaultService("long_consultation", "99215", "cpt", "consultation", "250.00"),
        DefaultService("specialist_consultation", "99244", "cpt", "consultation", "400.00", default_coverage="insurer"),
        DefaultService("blood_test", "36415", "cpt", "lab", "45.00", help_article_slug=LAB_HELP),
        DefaultService("ecg", "93000", "cpt", "procedure", "95.00"),
        DefaultService("dressing_materials", "A6402", "hcpcs", "material", "25.00"),
        DefaultService("certificate", "CERT", "local", "certificate", "40.00"),
        DefaultService(
            "records_copy", "RECCOPY", "local", "records_copy", "25.00", estimable=False, help_article_slug=RECORDS_HELP
        ),
        DefaultService("no_show", "NOSHOW", "local", "no_show", "50.00", estimable=False),
        DefaultService("vaccination", "90471", "cpt", "vaccination", "60.00", is_available=False),
    ],
    "FR": [
        DefaultService("gp_consultation", "G", "ngap", "consultation", "30.00"),
        DefaultService("long_consultation", "GL", "ngap", "consultation", "60.00"),
        DefaultService("specialist_consultation", "APC", "ngap", "consultation", "56.50", default_coverage="insurer"),
        DefaultService("blood_test", "PRLV", "local", "lab", "15.00", help_article_slug=LAB_HELP),
        DefaultService("ecg", "DEQP003", "ccam", "procedure", "14.52"),
        DefaultService("dressing_materials", "MAT", "local", "material", "10.00"),
        DefaultService("certificate", "CERTIF", "local", "certificate", "25.00"),
        DefaultService(
            "records_copy", "COPIE", "local", "records_copy", "15.00", estimable=False, help_article_slug=RECORDS_HELP
        ),
        DefaultService("no_show", "RDVNH", "local", "no_show", "30.00", estimable=False),
        DefaultService("vaccination", "VAC", "local", "vaccination", "25.00", is_available=False),
    ],
}
