"""Seed the help articles (in every portal language), a demo price list, and the roles that may edit them.

Service names and descriptions are marked with gettext_noop: makemessages extracts them, and the price
list shows the reader's translation of a seeded text (a text staff have changed is shown as typed).
"""

from decimal import Decimal

from django.conf import settings
from django.db import migrations
from django.utils.translation import gettext_noop

ROLE_PERMISSIONS = {
    "office_manager": ["portal.change_helparticle", "portal.view_helparticle", "portal.change_serviceitem",
                       "portal.view_serviceitem"],
    "billing": ["portal.change_helparticle", "portal.view_helparticle", "portal.change_serviceitem",
                "portal.view_serviceitem"],
}

# (code, name, description, exemption card applies, offered now)
SERVICES = [
    ("GP-CONS", gettext_noop("GP consultation"),
     gettext_noop("A standard appointment with a doctor, about 15 minutes."), True, True),
    ("GP-LONG", gettext_noop("Long consultation"),
     gettext_noop("An appointment of about 30 minutes, for several or complex problems."), True, True),
    ("LAB-BLOOD", gettext_noop("Blood test"),
     gettext_noop("Taking the sample and the standard laboratory analysis."), True, True),
    ("ECG", gettext_noop("ECG (heart tracing)"),
     gettext_noop("The recording and the doctor's reading of the result."), True, True),
    ("MAT-DRESS", gettext_noop("Dressing materials"),
     gettext_noop("Bandages, plasters and other materials used in your treatment."), False, True),
    ("CERT", gettext_noop("Medical certificate"),
     gettext_noop("A written statement from the doctor, for example for work, school or insurance."),
     False, True),
    ("RECORDS", gettext_noop("Copy of your records"),
     gettext_noop("A paper copy of your medical records, postage included."), False, True),
    ("NO-SHOW", gettext_noop("Missed appointment fee"),
     gettext_noop("Charged when an appointment is not cancelled at least 24 hours before."), False, True),
    ("VACC", gettext_noop("Vaccination"),
     gettext_noop("The injection and the advice that goes with it; the vaccine itself is priced separately."),
     True, False),
]

PRICES = {
    "NO": {"GP-CONS": "167.00", "GP-LONG": "272.00", "LAB-BLOOD": "59.00", "ECG": "110.00", "MAT-DRESS": "120.00",
           "CERT": "350.00", "RECORDS": "150.00", "NO-SHOW": "350.00", "VACC": "200.00"},
    "US": {"GP-CONS": "150.00", "GP-LONG": "250.00", "LAB-BLOOD": "45.00", "ECG": "95.00", "MAT-DRESS": "25.00",
           "CERT": "40.00", "RECORDS": "25.00", "NO-SHOW": "50.00", "VACC": "60.00"},
    "FR": {"GP-CONS": "30.00", "GP-LONG": "60.00", "LAB-BLOOD": "15.00", "ECG": "15.00", "MAT-DRESS": "10.00",
           "CERT": "25.00", "RECORDS": "15.00", "NO-SHOW": "30.00", "VACC": "25.00"},
}

# slug → language → (title, summary, body). Bodies are plain text; a blank line starts a paragraph.
ARTICLES = {
    "exemption-card": {
        "en": (
            "Why do I have a bill when I have an exemption card (frikort)?",
            "The exemption card covers the co-payment (egenandel) for most treatment, but not everything.",
            """When you have paid co-payments up to the yearly limit (egenandelstak), you get an exemption card (frikort). From then on you pay no co-payment (egenandel) for approved treatment for the rest of the calendar year. Children under 16 pay no co-payment.

Some things are never covered by the exemption card, and you still pay for them yourself: medical materials such as dressings, medical certificates, copies of your records or of a referral and the postage, and the fee for an appointment you missed without cancelling in time.

Your bill shows each line and says why it is yours to pay. The price list shows which services the exemption card covers.

If you think a line should have been covered, tell us. We will check it and correct the bill if we were wrong.""",
        ),
        "fr": (
            "Pourquoi ai-je une facture alors que j'ai une carte d'exonération (frikort) ?",
            "La carte d'exonération couvre la participation (egenandel) pour la plupart des soins, mais pas tout.",
            """Lorsque vos participations atteignent le plafond annuel (egenandelstak), vous recevez une carte d'exonération (frikort). Vous ne payez alors plus de participation (egenandel) pour les soins pris en charge jusqu'à la fin de l'année civile. Les enfants de moins de 16 ans ne paient pas de participation.

Certaines choses ne sont jamais couvertes par la carte d'exonération et restent à votre charge : le matériel médical comme les pansements, les certificats médicaux, les copies de votre dossier ou d'une lettre d'orientation et les frais d'envoi, ainsi que les frais pour un rendez-vous manqué sans annulation à temps.

Votre facture détaille chaque ligne et explique pourquoi elle reste à votre charge. La liste des prix indique les services couverts par la carte d'exonération.

Si vous pensez qu'une ligne aurait dû être couverte, dites-le-nous. Nous vérifierons et corrigerons la facture si nous nous sommes trompés.""",
        ),
        "pt": (
            "Porque tenho uma fatura se tenho um cartão de isenção (frikort)?",
            "O cartão de isenção cobre a taxa moderadora (egenandel) da maioria dos tratamentos, mas não tudo.",
            """Quando as taxas moderadoras que pagou atingem o limite anual (egenandelstak), recebe um cartão de isenção (frikort). A partir daí, não paga taxa moderadora (egenandel) pelos tratamentos aprovados até ao fim do ano civil. As crianças com menos de 16 anos não pagam taxa moderadora.

Há coisas que o cartão de isenção nunca cobre e que continua a pagar: material médico, como pensos, atestados médicos, cópias do seu processo clínico ou de uma credencial de referenciação e os portes de envio, e a taxa por uma consulta a que faltou sem a desmarcar a tempo.

A fatura mostra cada linha e explica porque é que lhe cabe pagá-la. A lista de preços mostra que serviços o cartão de isenção cobre.

Se achar que uma linha devia ter sido coberta, diga-nos. Verificamos e corrigimos a fatura se nos tivermos enganado.""",
        ),
        "nb": (
            "Hvorfor får jeg regning når jeg har frikort?",
            "Frikortet dekker egenandelen for det meste av behandlingen, men ikke alt.",
            """Når du har betalt egenandeler opp til egenandelstaket, får du frikort. Da betaler du ikke egenandel for godkjent behandling resten av kalenderåret. Barn under 16 år betaler ikke egenandel.

Noe dekkes aldri av frikortet, og det må du fortsatt betale selv: medisinsk forbruksmateriell som bandasjer, legeerklæringer og attester, kopi av journal eller henvisning og porto, og gebyr for en time du ikke møtte til uten å avbestille i tide.

Regningen viser hver linje og forklarer hvorfor du må betale den. På prislisten ser du hvilke tjenester frikortet dekker.

Mener du at en linje skulle vært dekket av frikortet, si fra til oss. Vi undersøker saken og retter regningen hvis vi har gjort en feil.""",
        ),
        "ru": (
            "Почему мне пришёл счёт, если у меня есть карта освобождения от доплат (frikort)?",
            "Карта освобождения покрывает доплату (egenandel) за большинство услуг, но не за всё.",
            """Когда сумма ваших доплат за год достигает предела (egenandelstak), вы получаете карту освобождения (frikort). После этого до конца календарного года вы не платите доплату (egenandel) за одобренное лечение. Дети до 16 лет доплату не платят.

Некоторые расходы карта освобождения не покрывает никогда, и их вы по-прежнему оплачиваете сами: медицинские материалы, например перевязочные, медицинские справки, копии медицинской карты или направления и почтовые расходы, а также плату за пропущенный приём, который вы не отменили вовремя.

В счёте указана каждая позиция и объяснено, почему её оплачиваете вы. В прейскуранте видно, какие услуги покрывает карта освобождения.

Если вы считаете, что какая-то позиция должна была быть покрыта, сообщите нам. Мы всё проверим и исправим счёт, если ошиблись.""",
        ),
    },
    "payment-reference": {
        "en": (
            "What is a payment reference (KID) and how do I use it?",
            "A number that tells us which bill your payment is for.",
            """Every bill has a payment reference. In Norway it is called KID. It tells us which bill your payment belongs to, so that the payment is matched to your bill automatically.

When you pay in your online bank, enter the account number and the reference exactly as they appear on the bill. Do not write a message instead of the reference: a payment without the right reference takes longer to find, and you could receive a reminder by mistake.

Make one payment for each bill. If you pay several bills, make a separate payment for each, each with its own reference.

You find the reference, the account number and the amount on the bill, and on the bill's page in the portal, where you can copy them.""",
        ),
        "fr": (
            "Qu'est-ce qu'une référence de paiement (KID) et comment l'utiliser ?",
            "Un numéro qui nous indique à quelle facture correspond votre paiement.",
            """Chaque facture porte une référence de paiement. En Norvège, elle s'appelle KID. Elle nous indique à quelle facture correspond votre paiement, afin qu'il soit rapproché automatiquement de votre facture.

Lorsque vous payez depuis votre banque en ligne, saisissez le numéro de compte et la référence exactement comme ils figurent sur la facture. N'écrivez pas de message à la place de la référence : un paiement sans la bonne référence est plus long à retrouver, et vous pourriez recevoir une relance par erreur.

Faites un paiement par facture. Si vous réglez plusieurs factures, faites un paiement séparé pour chacune, avec sa propre référence.

Vous trouverez la référence, le numéro de compte et le montant sur la facture, ainsi que sur la page de la facture dans le portail, où vous pouvez les copier.""",
        ),
        "pt": (
            "O que é uma referência de pagamento (KID) e como a uso?",
            "Um número que nos indica a que fatura corresponde o seu pagamento.",
            """Cada fatura tem uma referência de pagamento. Na Noruega chama-se KID. Indica-nos a que fatura pertence o seu pagamento, para que este seja associado automaticamente à sua fatura.

Quando pagar no seu banco online, introduza o número de conta e a referência exatamente como aparecem na fatura. Não escreva uma mensagem em vez da referência: um pagamento sem a referência correta demora mais a ser encontrado e pode receber um lembrete por engano.

Faça um pagamento por fatura. Se pagar várias faturas, faça um pagamento separado para cada uma, cada um com a sua referência.

Encontra a referência, o número de conta e o valor na fatura e na página da fatura no portal, onde os pode copiar.""",
        ),
        "nb": (
            "Hva er en betalingsreferanse (KID), og hvordan bruker jeg den?",
            "KID er et nummer som forteller oss hvilken regning betalingen gjelder.",
            """Hver regning har et KID-nummer. Det forteller oss hvilken regning betalingen din gjelder, slik at betalingen automatisk blir ført på riktig regning.

Når du betaler i nettbanken, skriver du inn kontonummeret og KID-nummeret nøyaktig slik de står på regningen. Ikke skriv en melding i stedet for KID: en betaling uten riktig KID tar lengre tid å finne, og du kan få en purring ved en feil.

Betal hver regning for seg. Skal du betale flere regninger, lager du én betaling for hver, med hver sitt KID-nummer.

Du finner KID-nummeret, kontonummeret og beløpet på regningen og på regningens side i portalen, der du kan kopiere dem.""",
        ),
        "ru": (
            "Что такое платёжный идентификатор (KID) и как им пользоваться?",
            "Это номер, по которому мы видим, какой счёт вы оплачиваете.",
            """У каждого счёта есть платёжный идентификатор. В Норвегии он называется KID. По нему мы видим, к какому счёту относится ваш платёж, и платёж автоматически засчитывается в оплату нужного счёта.

При оплате в интернет-банке введите номер счёта получателя и идентификатор точно так, как они указаны в счёте. Не пишите сообщение вместо идентификатора: платёж без правильного идентификатора дольше искать, и вы можете по ошибке получить напоминание.

Оплачивайте каждый счёт отдельным платежом. Если вы оплачиваете несколько счетов, сделайте отдельный платёж для каждого, со своим идентификатором.

Идентификатор, номер счёта получателя и сумма указаны в счёте и на странице счёта в портале, откуда их можно скопировать.""",
        ),
    },
    "cannot-pay": {
        "en": (
            "What can I do if I cannot pay?",
            "Tell us before the due date: you can ask for more time or pay in instalments.",
            """Tell us as early as you can, preferably before the due date. We would much rather agree on a solution with you than send reminders.

You can ask for a later due date (a deferral) or pay in monthly instalments (a payment plan). In the portal, open the bill and say that you cannot pay now. A plan within the usual limits is set up straight away; otherwise a member of staff contacts you.

As long as the plan or the deferral is kept, we send no reminders for that bill. If you miss an instalment, we call you to find a solution together.

You can also ask us to call you back, or phone the billing office.""",
        ),
        "fr": (
            "Que faire si je ne peux pas payer ?",
            "Prévenez-nous avant l'échéance : vous pouvez demander un délai ou payer en plusieurs fois.",
            """Prévenez-nous le plus tôt possible, de préférence avant la date d'échéance. Nous préférons de loin convenir d'une solution avec vous plutôt que d'envoyer des relances.

Vous pouvez demander une date d'échéance plus tardive (un report) ou payer par mensualités (un échéancier). Dans le portail, ouvrez la facture et indiquez que vous ne pouvez pas payer maintenant. Un échéancier dans les limites habituelles est mis en place immédiatement ; sinon, un membre de l'équipe vous contacte.

Tant que l'échéancier ou le report est respecté, nous n'envoyons aucune relance pour cette facture. Si vous manquez une mensualité, nous vous appelons pour trouver une solution ensemble.

Vous pouvez aussi nous demander de vous rappeler, ou appeler le service de facturation.""",
        ),
        "pt": (
            "O que posso fazer se não conseguir pagar?",
            "Avise-nos antes da data de vencimento: pode pedir mais tempo ou pagar em prestações.",
            """Avise-nos o mais cedo possível, de preferência antes da data de vencimento. Preferimos muito mais combinar uma solução consigo do que enviar lembretes.

Pode pedir uma data de vencimento mais tarde (um adiamento) ou pagar em prestações mensais (um plano de pagamento). No portal, abra a fatura e indique que não pode pagar agora. Um plano dentro dos limites habituais fica logo combinado; caso contrário, um membro da equipa entra em contacto consigo.

Enquanto o plano ou o adiamento for cumprido, não enviamos lembretes dessa fatura. Se falhar uma prestação, telefonamos-lhe para encontrarmos juntos uma solução.

Também pode pedir que lhe telefonemos ou ligar para o serviço de faturação.""",
        ),
        "nb": (
            "Hva kan jeg gjøre hvis jeg ikke kan betale?",
            "Si fra før forfall: du kan be om utsettelse eller betale i avdrag.",
            """Si fra så tidlig du kan, helst før forfallsdatoen. Vi vil mye heller finne en løsning sammen med deg enn å sende purringer.

Du kan be om en senere forfallsdato (betalingsutsettelse) eller betale i månedlige avdrag (nedbetalingsplan). Åpne regningen i portalen og si fra at du ikke kan betale nå. En plan innenfor de vanlige rammene settes opp med en gang; ellers tar en av oss kontakt med deg.

Så lenge du følger planen eller utsettelsen, sender vi ingen purringer på den regningen. Hvis du ikke betaler et avdrag, ringer vi deg for å finne en løsning sammen.

Du kan også be om å bli ringt opp, eller ringe regningskontoret.""",
        ),
        "ru": (
            "Что делать, если я не могу заплатить?",
            "Сообщите нам до срока оплаты: можно попросить отсрочку или платить частями.",
            """Сообщите нам как можно раньше, лучше до срока оплаты. Мы гораздо охотнее договоримся с вами, чем будем отправлять напоминания.

Вы можете попросить перенести срок оплаты (отсрочка) или платить ежемесячными частями (рассрочка). В портале откройте счёт и укажите, что не можете заплатить сейчас. Рассрочка в обычных пределах оформляется сразу; в остальных случаях с вами свяжется наш сотрудник.

Пока вы соблюдаете условия рассрочки или отсрочки, мы не отправляем напоминаний по этому счёту. Если вы пропустите платёж, мы позвоним вам, чтобы вместе найти решение.

Вы также можете попросить нас перезвонить вам или сами позвонить в отдел расчётов клиники.""",
        ),
    },
    "bill-is-wrong": {
        "en": (
            "How do I tell you a bill is wrong?",
            "Tell us which bill and which lines, in your own words.",
            """If something on a bill looks wrong, tell us. You can question the whole bill or only some of its lines.

In the portal, open the bill and choose to dispute it. Pick the lines, say what the problem is, and explain it in your own words. You can also tell us at the front desk, by phone, by email or by letter.

You see straight away what happens next and by when. While we look into it, we send no reminders for the disputed bill.

When we have finished, you receive a written answer that explains what we found and what we have changed. If you still disagree, the office manager looks at it again.""",
        ),
        "fr": (
            "Comment vous signaler qu'une facture est erronée ?",
            "Indiquez-nous la facture et les lignes concernées, avec vos propres mots.",
            """Si quelque chose vous semble erroné sur une facture, dites-le-nous. Vous pouvez contester toute la facture ou seulement certaines lignes.

Dans le portail, ouvrez la facture et choisissez de la contester. Sélectionnez les lignes, indiquez la nature du problème et expliquez-le avec vos propres mots. Vous pouvez aussi nous le signaler à l'accueil, par téléphone, par e-mail ou par courrier.

Vous voyez aussitôt ce qui va se passer et dans quel délai. Pendant que nous examinons votre demande, nous n'envoyons aucune relance pour la facture contestée.

Une fois l'examen terminé, vous recevez une réponse écrite qui explique ce que nous avons constaté et ce que nous avons modifié. Si vous n'êtes toujours pas d'accord, le responsable administratif réexamine votre dossier.""",
        ),
        "pt": (
            "Como vos digo que uma fatura está errada?",
            "Diga-nos qual é a fatura e quais as linhas, por palavras suas.",
            """Se alguma coisa numa fatura lhe parecer errada, diga-nos. Pode contestar a fatura inteira ou apenas algumas linhas.

No portal, abra a fatura e escolha contestá-la. Selecione as linhas, indique qual é o problema e explique-o por palavras suas. Também nos pode dizer na receção, por telefone, por e-mail ou por carta.

Vê logo o que acontece a seguir e até quando. Enquanto analisamos o assunto, não enviamos lembretes da fatura contestada.

Quando terminarmos, recebe uma resposta por escrito que explica o que verificámos e o que alterámos. Se continuar a discordar, o responsável administrativo volta a analisar o caso.""",
        ),
        "nb": (
            "Hvordan sier jeg fra om at en regning er feil?",
            "Fortell oss hvilken regning og hvilke linjer det gjelder, med dine egne ord.",
            """Hvis noe på en regning ser feil ut, si fra til oss. Du kan klage på hele regningen eller bare på noen av linjene.

Åpne regningen i portalen og velg å klage på den. Velg linjene, si hva problemet gjelder, og forklar med dine egne ord. Du kan også si fra i resepsjonen, på telefon, på e-post eller i brev.

Du ser med en gang hva som skjer videre, og innen når. Mens vi ser på saken, sender vi ingen purringer på regningen du har klaget på.

Når vi er ferdige, får du et skriftlig svar som forklarer hva vi fant ut og hva vi har endret. Er du fortsatt uenig, ser kontorlederen på saken på nytt.""",
        ),
        "ru": (
            "Как сообщить, что в счёте ошибка?",
            "Укажите счёт и позиции и опишите проблему своими словами.",
            """Если что-то в счёте кажется вам неверным, сообщите нам. Можно оспорить весь счёт или только отдельные позиции.

В портале откройте счёт и выберите оспаривание. Отметьте позиции, укажите, в чём проблема, и объясните её своими словами. Можно также обратиться к нам в регистратуре, по телефону, по электронной почте или письмом.

Вы сразу увидите, что будет дальше и в какой срок. Пока мы разбираемся, мы не отправляем напоминаний по оспариваемому счёту.

Когда мы закончим, вы получите письменный ответ: что мы выяснили и что изменили. Если вы по-прежнему не согласны, дело повторно рассмотрит руководитель административной службы клиники.""",
        ),
    },
    "insurer-share": {
        "en": (
            "What does my insurer pay, and when is my part final?",
            "Your bill shows what we expect your insurer to pay and what is left for you.",
            """If your treatment is covered by an insurer (or by the exemption card), your bill shows three amounts: what we expect the insurer to pay, what the insurer has paid, and your part.

Until the insurer has finished handling the claim, your part may still change. We do not send reminders for an amount that depends on the insurer's answer.

Once the insurer has settled, what it paid stands, and the rest is your part to pay. If the insurer paid less than expected and you think that is wrong, tell us and we will check it with the insurer.""",
        ),
        "fr": (
            "Que paie mon assureur, et quand ma part est-elle définitive ?",
            "Votre facture indique ce que nous attendons de votre assureur et ce qui reste à votre charge.",
            """Si vos soins sont pris en charge par un assureur (ou par la carte d'exonération), votre facture indique trois montants : ce que nous attendons de l'assureur, ce que l'assureur a payé, et votre part.

Tant que l'assureur n'a pas fini de traiter le dossier, votre part peut encore changer. Nous n'envoyons pas de relance pour un montant qui dépend de la réponse de l'assureur.

Une fois que l'assureur a réglé, ce qu'il a payé est définitif et le reste constitue votre part. Si l'assureur a payé moins que prévu et que vous pensez que c'est une erreur, dites-le-nous : nous vérifierons auprès de lui.""",
        ),
        "pt": (
            "O que paga a minha seguradora e quando é que a minha parte é definitiva?",
            "A fatura mostra o que esperamos que a seguradora pague e o que fica a seu cargo.",
            """Se o tratamento for coberto por uma seguradora (ou pelo cartão de isenção), a fatura mostra três valores: o que esperamos que a seguradora pague, o que a seguradora já pagou e a sua parte.

Enquanto a seguradora não concluir o processo, a sua parte ainda pode mudar. Não enviamos lembretes de um valor que depende da resposta da seguradora.

Quando a seguradora liquidar, o que pagou fica definitivo e o restante é a parte que lhe cabe pagar. Se a seguradora pagou menos do que o previsto e acha que isso está errado, diga-nos e verificamos junto da seguradora.""",
        ),
        "nb": (
            "Hva betaler forsikringen min, og når er min del endelig?",
            "Regningen viser hva vi venter at forsikringen betaler, og hva som er igjen til deg.",
            """Hvis behandlingen dekkes av et forsikringsselskap (eller av frikortet), viser regningen tre beløp: hva vi venter at forsikringen betaler, hva forsikringen har betalt, og din del.

Så lenge forsikringen ikke er ferdig med saken, kan din del fortsatt endre seg. Vi sender ikke purring på et beløp som avhenger av svaret fra forsikringen.

Når forsikringen har gjort opp, står det den har betalt, og resten er din del å betale. Har forsikringen betalt mindre enn ventet, og du mener det er feil, si fra, så undersøker vi det med forsikringen.""",
        ),
        "ru": (
            "Что оплачивает моя страховая компания и когда моя доля становится окончательной?",
            "В счёте указано, сколько, по нашим ожиданиям, заплатит страховая компания и что остаётся вам.",
            """Если лечение покрывает страховая компания (или карта освобождения), в счёте указаны три суммы: сколько, по нашим ожиданиям, заплатит страховая компания, сколько она уже заплатила и ваша доля.

Пока страховая компания не завершила рассмотрение, ваша доля ещё может измениться. Мы не отправляем напоминаний о сумме, которая зависит от ответа страховой компании.

Когда страховая компания произвела расчёт, уплаченная ею сумма окончательна, а остаток — ваша доля к оплате. Если страховая компания заплатила меньше ожидаемого и вы считаете это ошибкой, сообщите нам, и мы выясним это со страховой компанией.""",
        ),
    },
    "speaking-for-me": {
        "en": (
            "Who can speak for me about my bills?",
            "Only people you have given permission to.",
            """We discuss your bills only with you, or with someone you have given written permission to (a power of attorney). This protects your privacy.

In the portal you can give a named person access to your bills for a limited time, and take it back at any time. That person signs in with their own account and sees only what you have allowed.

If someone calls us on your behalf without permission, we cannot tell them anything about your bills, but we can take a message and contact you.""",
        ),
        "fr": (
            "Qui peut parler de mes factures à ma place ?",
            "Uniquement les personnes que vous avez autorisées.",
            """Nous ne parlons de vos factures qu'avec vous, ou avec une personne à qui vous avez donné une procuration écrite. Cela protège votre vie privée.

Dans le portail, vous pouvez donner à une personne nommée l'accès à vos factures pour une durée limitée, et le lui retirer à tout moment. Cette personne se connecte avec son propre compte et ne voit que ce que vous avez autorisé.

Si quelqu'un nous appelle de votre part sans autorisation, nous ne pouvons rien lui dire sur vos factures, mais nous pouvons prendre un message et vous contacter.""",
        ),
        "pt": (
            "Quem pode falar por mim sobre as minhas faturas?",
            "Apenas as pessoas a quem deu autorização.",
            """Só falamos das suas faturas consigo ou com alguém a quem tenha dado uma procuração por escrito. Isto protege a sua privacidade.

No portal, pode dar a uma pessoa identificada acesso às suas faturas por um período limitado e retirá-lo a qualquer momento. Essa pessoa entra com a sua própria conta e só vê o que autorizou.

Se alguém nos telefonar em seu nome sem autorização, não lhe podemos dizer nada sobre as suas faturas, mas podemos registar uma mensagem e contactá-lo.""",
        ),
        "nb": (
            "Hvem kan snakke med dere om regningene mine?",
            "Bare personer du har gitt tillatelse til.",
            """Vi snakker bare om regningene dine med deg, eller med noen du har gitt skriftlig fullmakt. Det beskytter personvernet ditt.

I portalen kan du gi en navngitt person tilgang til regningene dine for en begrenset tid, og du kan trekke tilgangen tilbake når som helst. Personen logger inn med sin egen konto og ser bare det du har gitt tilgang til.

Hvis noen ringer oss på dine vegne uten fullmakt, kan vi ikke fortelle dem noe om regningene dine, men vi kan ta imot en beskjed og kontakte deg.""",
        ),
        "ru": (
            "Кто может говорить от моего имени о моих счетах?",
            "Только те, кому вы дали разрешение.",
            """Мы обсуждаем ваши счета только с вами или с человеком, которому вы дали письменную доверенность. Это защищает вашу конфиденциальность.

В портале вы можете дать выбранному вами человеку доступ к своим счетам на ограниченный срок и отозвать его в любой момент. Этот человек входит в портал под своей учётной записью и видит только то, что вы разрешили.

Если кто-то звонит нам от вашего имени без разрешения, мы ничего не можем сообщить ему о ваших счетах, но можем принять сообщение и связаться с вами.""",
        ),
    },
}


def seed(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codes in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for code in codes:
            app_label, codename = code.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))

    HelpArticle = apps.get_model("portal", "HelpArticle")
    if not HelpArticle.objects.exists():
        for position, (slug, translations) in enumerate(ARTICLES.items(), start=1):
            for language, (title, summary, body) in translations.items():
                HelpArticle.objects.create(
                    slug=slug, language=language, title=title, summary=summary, body=body, position=position * 10
                )

    ServiceItem = apps.get_model("portal", "ServiceItem")
    if not ServiceItem.objects.exists():
        prices = PRICES[settings.BILLING_JURISDICTION]
        for position, (code, name, description, exemption_card_applies, is_available) in enumerate(SERVICES, 1):
            ServiceItem.objects.create(
                code=code,
                name=name,
                description=description,
                price=Decimal(prices[code]),
                exemption_card_applies=exemption_card_applies,
                is_available=is_available,
                position=position * 10,
            )


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
