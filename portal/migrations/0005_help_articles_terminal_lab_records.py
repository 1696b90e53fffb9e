"""Help articles for three common misunderstandings, in every portal language: the payment terminal showed zero
(paid before the visit was registered), the laboratory's charge came on a bill of its own and was paid only in
part, and a copy of the records is charged. The bill page links a line to the article that explains it
(portal.help_links).

An article staff have already written under one of these slugs is kept as it is.
"""

from django.db import migrations

# slug → language → (title, summary, body). Bodies are plain text; a blank line starts a paragraph.
ARTICLES = {
    "terminal-showed-zero": {
        "en": (
            "I paid at the terminal, but it showed zero. Why did I get a bill?",
            "The terminal showed zero because your visit was not registered yet. Nothing was paid, so the bill is "
            "still to pay.",
            """At the front desk, the payment terminal shows the amount for your visit once the visit has been registered. If you pay before that, for example as soon as you arrive or before the doctor has finished, the terminal has nothing to charge and shows 0. Nothing is taken from your card.

The bill for the visit is then made as usual and sent to you. That is why you get a bill even though you used the terminal.

Check your bank statement. If nothing was taken for the visit, pay the bill as it says, with its payment reference. If an amount was taken from your card, tell us the date and the amount: we will find the payment and match it to your bill, so that you do not pay twice.

Next time, wait until the front desk tells you that your visit is registered and the amount shows on the terminal.""",
        ),
        "fr": (
            "J'ai payé au terminal, mais il affichait zéro. Pourquoi ai-je reçu une facture ?",
            "Le terminal affichait zéro parce que votre consultation n'était pas encore enregistrée. Rien n'a été "
            "payé : la facture reste à régler.",
            """À l'accueil, le terminal de paiement affiche le montant de votre consultation une fois celle-ci enregistrée. Si vous payez avant, par exemple dès votre arrivée ou avant la fin de la consultation, le terminal n'a rien à encaisser et affiche 0. Rien n'est débité de votre carte.

La facture de la consultation est ensuite établie comme d'habitude et vous est envoyée. C'est pourquoi vous recevez une facture alors que vous avez utilisé le terminal.

Vérifiez votre relevé bancaire. Si aucun montant n'a été débité pour la consultation, réglez la facture comme indiqué, avec sa référence de paiement. Si un montant a été débité de votre carte, indiquez-nous la date et le montant : nous retrouverons le paiement et le rapprocherons de votre facture, pour que vous ne payiez pas deux fois.

La prochaine fois, attendez que l'accueil vous dise que votre consultation est enregistrée et que le montant s'affiche sur le terminal.""",
        ),
        "pt": (
            "Paguei no terminal, mas mostrava zero. Porque recebi uma fatura?",
            "O terminal mostrava zero porque a sua consulta ainda não estava registada. Não foi pago nada, por isso "
            "a fatura continua por pagar.",
            """Na receção, o terminal de pagamento mostra o valor da consulta depois de a consulta ser registada. Se pagar antes disso, por exemplo logo que chega ou antes de o médico terminar, o terminal não tem nada para cobrar e mostra 0. Não é debitado nada do seu cartão.

A fatura da consulta é depois emitida como habitualmente e enviada para si. É por isso que recebe uma fatura, embora tenha usado o terminal.

Verifique o seu extrato bancário. Se não foi debitado nenhum valor pela consulta, pague a fatura como nela se indica, com a respetiva referência de pagamento. Se foi debitado um valor do seu cartão, diga-nos a data e o valor: encontramos o pagamento e associamo-lo à sua fatura, para que não pague duas vezes.

Da próxima vez, espere que a receção lhe diga que a consulta está registada e que o valor aparece no terminal.""",
        ),
        "nb": (
            "Jeg betalte i terminalen, men den viste null. Hvorfor fikk jeg regning?",
            "Terminalen viste null fordi besøket ditt ikke var registrert ennå. Ingenting ble betalt, så regningen "
            "må fortsatt betales.",
            """I resepsjonen viser betalingsterminalen beløpet for besøket når besøket er registrert. Betaler du før det, for eksempel med en gang du kommer eller før legen er ferdig, har terminalen ingenting å trekke og viser 0. Det blir ikke trukket noe fra kortet ditt.

Regningen for besøket lages så som vanlig og sendes til deg. Derfor får du regning selv om du brukte terminalen.

Sjekk kontoutskriften din. Er det ikke trukket noe for besøket, betaler du regningen slik det står på den, med KID-nummeret. Er det trukket et beløp fra kortet ditt, si fra til oss om dato og beløp. Da finner vi betalingen og fører den på regningen din, så du ikke betaler to ganger.

Neste gang kan du vente til resepsjonen sier at besøket er registrert og beløpet vises i terminalen.""",
        ),
        "ru": (
            "Терминал при оплате показал ноль. Почему мне пришёл счёт?",
            "Терминал показал ноль, потому что ваш визит ещё не был зарегистрирован. Оплата не прошла, поэтому счёт "
            "нужно оплатить.",
            """В регистратуре платёжный терминал показывает сумму за визит только после того, как визит зарегистрирован. Если оплатить раньше, например сразу по приходе или до окончания приёма, терминалу нечего списывать, и он показывает 0. С вашей карты ничего не списывается.

Затем счёт за визит оформляется как обычно и отправляется вам. Поэтому вы получаете счёт, хотя и пользовались терминалом.

Проверьте выписку из банка. Если за визит ничего не списано, оплатите счёт, как в нём указано, с его платёжным идентификатором. Если с карты была списана сумма, сообщите нам дату и сумму: мы найдём платёж и зачтём его в оплату вашего счёта, чтобы вы не заплатили дважды.

В следующий раз дождитесь, пока в регистратуре скажут, что визит зарегистрирован и сумма появилась на терминале.""",
        ),
    },
    "lab-charge-separately": {
        "en": (
            "Why did the lab tests come on a separate bill, and why is only part of it paid?",
            "Blood tests and other laboratory work often come on a bill of their own, once the results are in. "
            "Each bill is paid on its own.",
            """When we take a sample, for example for a blood test, the laboratory work is sometimes billed apart from the visit, on a bill of its own, often a few days later when the analysis is done.

Each bill has its own payment reference. If you paid the lab bill together with the visit, or with the other bill's reference, the payment may have been matched to the wrong bill, or only part of it reached the lab bill. It can also be that your insurer or your exemption card pays part of the lab tests and the rest is yours to pay.

Look at "What you pay" on the bill: it shows the total, what your insurer or exemption card covers, what you have already paid and what is left to pay. Pay only what is left, with this bill's payment reference.

If you think you have already paid it all, tell us the date and the amount of your payment. We will check it and move the payment to the right bill.""",
        ),
        "fr": (
            "Pourquoi les analyses sont-elles sur une facture à part, et pourquoi une partie seulement est-elle payée ?",
            "Les analyses, comme une prise de sang, arrivent souvent sur une facture à part, une fois les résultats "
            "obtenus. Chaque facture se règle séparément.",
            """Lorsque nous faisons un prélèvement, par exemple pour une prise de sang, le travail du laboratoire est parfois facturé à part de la consultation, sur une facture distincte, souvent quelques jours plus tard, une fois l'analyse faite.

Chaque facture a sa propre référence de paiement. Si vous avez réglé la facture du laboratoire en même temps que la consultation, ou avec la référence de l'autre facture, le paiement a pu être rapproché de la mauvaise facture, ou n'arriver qu'en partie sur celle du laboratoire. Il arrive aussi que votre assureur ou votre carte d'exonération prenne en charge une partie des analyses et que le reste soit à votre charge.

Regardez la rubrique « Ce que vous payez » sur la facture : elle indique le total, ce que prend en charge votre assureur ou votre carte d'exonération, ce que vous avez déjà payé et ce qu'il reste à payer. Ne payez que ce qu'il reste, avec la référence de paiement de cette facture.

Si vous pensez avoir déjà tout payé, indiquez-nous la date et le montant de votre paiement. Nous vérifierons et affecterons le paiement à la bonne facture.""",
        ),
        "pt": (
            "Porque é que as análises vieram numa fatura à parte e porque é que só uma parte está paga?",
            "As análises, como uma análise ao sangue, vêm muitas vezes numa fatura própria, depois de haver "
            "resultados. Cada fatura paga-se separadamente.",
            """Quando colhemos uma amostra, por exemplo para uma análise ao sangue, o trabalho do laboratório é por vezes faturado à parte da consulta, numa fatura própria, muitas vezes alguns dias depois, quando a análise está feita.

Cada fatura tem a sua referência de pagamento. Se pagou a fatura do laboratório junto com a da consulta, ou com a referência da outra fatura, o pagamento pode ter sido associado à fatura errada, ou só uma parte pode ter chegado à fatura do laboratório. Também pode acontecer que a sua seguradora ou o seu cartão de isenção pague uma parte das análises e o resto fique a seu cargo.

Veja a secção «O que paga» na fatura: mostra o total, o que a sua seguradora ou o seu cartão de isenção cobre, o que já pagou e o que falta pagar. Pague apenas o que falta, com a referência de pagamento desta fatura.

Se acha que já pagou tudo, diga-nos a data e o valor do pagamento. Verificamos e passamos o pagamento para a fatura certa.""",
        ),
        "nb": (
            "Hvorfor kom laboratorieprøvene på en egen regning, og hvorfor er bare en del betalt?",
            "Blodprøver og annet laboratoriearbeid kommer ofte på en egen regning når svaret er klart. Hver regning "
            "betales for seg.",
            """Når vi tar en prøve, for eksempel en blodprøve, kommer laboratoriearbeidet noen ganger på en egen regning, ikke sammen med besøket, ofte noen dager senere når analysen er ferdig.

Hver regning har sitt eget KID-nummer. Betalte du laboratorieregningen sammen med besøket, eller med KID-nummeret til den andre regningen, kan betalingen ha blitt ført på feil regning, eller bare en del av den kom til laboratorieregningen. Det kan også være at forsikringen din eller frikortet dekker en del av prøvene, og at resten er ditt å betale.

Se under «Dette betaler du» på regningen: Der står totalen, hva forsikringen eller frikortet dekker, hva du allerede har betalt, og hva som gjenstår å betale. Betal bare det som gjenstår, med KID-nummeret til denne regningen.

Mener du at du allerede har betalt alt, si fra om dato og beløp for betalingen. Vi sjekker det og flytter betalingen til riktig regning.""",
        ),
        "ru": (
            "Почему анализы пришли отдельным счётом и почему оплачена только часть?",
            "Анализы, например анализ крови, часто приходят отдельным счётом, когда готовы результаты. Каждый счёт "
            "оплачивается отдельно.",
            """Когда мы берём пробу, например кровь на анализ, работу лаборатории иногда выставляют не вместе с визитом, а отдельным счётом, часто через несколько дней, когда анализ готов.

У каждого счёта свой платёжный идентификатор. Если вы оплатили счёт за анализы вместе с визитом или указали идентификатор другого счёта, платёж мог быть зачтён не в тот счёт или только частично попасть в счёт за анализы. Бывает и так, что часть стоимости анализов покрывает ваша страховая компания или карта освобождения, а остальное оплачиваете вы.

Посмотрите раздел «Что вы платите» в счёте: там указаны общая сумма, что покрывает страховая компания или карта освобождения, что вы уже заплатили и сколько осталось. Оплатите только оставшуюся сумму, с платёжным идентификатором этого счёта.

Если вы считаете, что уже оплатили всё, сообщите нам дату и сумму платежа. Мы проверим и перенесём платёж на нужный счёт.""",
        ),
    },
    "records-copy": {
        "en": (
            "Why do I pay for a copy of my medical records?",
            "A copy of your medical records is charged. The exemption card and insurers do not cover it.",
            """Making a copy of your medical records takes staff time, paper and often postage. We therefore charge for each copy, at the price on our price list.

A copy of your records is not treatment. That is why neither the exemption card (frikort) nor insurers cover it, and the bill comes to you even if you have an exemption card or insurance.

The bill for a copy is titled "Copy of your medical records", so that you can tell it from a bill for a visit.

If you did not ask for a copy, or the price is not what you were told, tell us. We will check it and correct the bill if we were wrong.""",
        ),
        "fr": (
            "Pourquoi dois-je payer une copie de mon dossier médical ?",
            "La copie de votre dossier médical est payante. Ni la carte d'exonération ni les assureurs ne la "
            "prennent en charge.",
            """Faire une copie de votre dossier médical demande du temps au personnel, du papier et souvent un envoi postal. C'est pourquoi chaque copie est facturée, au prix indiqué dans notre liste des prix.

Une copie du dossier n'est pas un soin. C'est pourquoi ni la carte d'exonération (frikort) ni les assureurs ne la prennent en charge : la facture vous est adressée même si vous avez une carte d'exonération ou une assurance.

La facture d'une copie s'intitule « Copie de votre dossier médical », pour que vous la distinguiez d'une facture de consultation.

Si vous n'avez pas demandé de copie, ou si le prix n'est pas celui qu'on vous a annoncé, dites-le-nous. Nous vérifierons et corrigerons la facture si nous nous sommes trompés.""",
        ),
        "pt": (
            "Porque pago uma cópia do meu processo clínico?",
            "A cópia do seu processo clínico é paga. Nem o cartão de isenção nem as seguradoras a cobrem.",
            """Fazer uma cópia do seu processo clínico exige tempo do pessoal, papel e muitas vezes portes de envio. Por isso, cada cópia é cobrada, ao preço indicado na nossa lista de preços.

Uma cópia do processo não é um tratamento. Por isso, nem o cartão de isenção (frikort) nem as seguradoras a cobrem, e a fatura é-lhe enviada mesmo que tenha cartão de isenção ou seguro.

A fatura de uma cópia tem o título «Cópia do seu processo clínico», para a distinguir de uma fatura de consulta.

Se não pediu uma cópia, ou se o preço não é o que lhe disseram, diga-nos. Verificamos e corrigimos a fatura se nos tivermos enganado.""",
        ),
        "nb": (
            "Hvorfor må jeg betale for kopi av journalen?",
            "En kopi av journalen koster penger. Frikortet og forsikringer dekker den ikke.",
            """Å lage en kopi av journalen din tar tid for de ansatte og koster papir og ofte porto. Derfor tar vi betalt for hver kopi, etter prisen på prislisten vår.

En kopi av journalen er ikke behandling. Derfor dekker verken frikortet eller forsikringer den, og regningen kommer til deg selv om du har frikort eller forsikring.

Regningen for en kopi har tittelen «Kopi av journalen din», så du kan skille den fra en regning for et besøk.

Har du ikke bedt om en kopi, eller er prisen en annen enn du fikk høre, si fra til oss. Vi undersøker saken og retter regningen hvis vi har gjort en feil.""",
        ),
        "ru": (
            "Почему копия медицинской карты платная?",
            "За копию медицинской карты взимается плата. Карта освобождения и страховые компании её не покрывают.",
            """Чтобы сделать копию вашей медицинской карты, нужны время сотрудников, бумага и часто почтовая отправка. Поэтому за каждую копию мы берём плату по нашему прейскуранту.

Копия карты — это не лечение. Поэтому её не покрывают ни карта освобождения от доплат (frikort), ни страховые компании, и счёт приходит вам, даже если у вас есть карта освобождения или страховка.

Счёт за копию называется «Копия вашей медицинской карты», чтобы его можно было отличить от счёта за визит.

Если вы не просили копию или цена отличается от той, что вам назвали, сообщите нам. Мы всё проверим и исправим счёт, если ошиблись.""",
        ),
    },
}

# After the six articles of 0002 (positions 10–60).
FIRST_POSITION = 70


def seed(apps, schema_editor):
    HelpArticle = apps.get_model("portal", "HelpArticle")
    for offset, (slug, translations) in enumerate(ARTICLES.items()):
        for language, (title, summary, body) in translations.items():
            HelpArticle.objects.get_or_create(
                slug=slug,
                language=language,
                defaults={"title": title, "summary": summary, "body": body, "position": FIRST_POSITION + 10 * offset},
            )


class Migration(migrations.Migration):
    dependencies = [("portal", "0004_price_list_moves_to_the_catalogue")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
