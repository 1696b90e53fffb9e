"""The default refusal-to-pay policy, from what real billing offices told us (issue 3).

Plain data: the data migration seeds it as policy version 1, adjusted for the jurisdiction profile's
small-claim threshold, and the office manager edits it from there. Each rule's name and script ("what to say")
come in every language the product speaks (en, fr, pt for European Portuguese, nb, ru), with the words the
interface uses for the same roles and arrangements.
"""

from decimal import Decimal

LISTEN = {
    "en": 'Let the patient speak without interrupting. Acknowledge the feeling: "That certainly sounds '
    'frustrating." Never argue and never tell them to calm down. ',
    "fr": "Laissez le patient parler sans l'interrompre. Reconnaissez ce qu'il ressent\u00a0: «\u00a0Je comprends "
    "que ce soit vraiment contrariant.\u00a0» Ne discutez jamais et ne lui demandez jamais de se calmer. ",
    "pt": "Deixe o paciente falar sem o interromper. Reconheça o que sente: «Compreendo que isso seja mesmo "
    "frustrante.» Nunca discuta e nunca lhe peça para se acalmar. ",
    "nb": "La pasienten snakke uten å avbryte. Anerkjenn følelsen: «Det høres virkelig frustrerende ut.» "
    "Ikke krangle, og be aldri pasienten roe seg ned. ",
    "ru": "Дайте пациенту высказаться, не перебивая. Признайте его чувства: «Понимаю, это действительно "
    "неприятно». Никогда не спорьте и не просите пациента успокоиться. ",
}

DEFAULT_SETTINGS = {"approval_threshold": Decimal("1000.00"), "follow_up_days": 3}


def _after_listening(scripts: dict[str, str]) -> dict[str, str]:
    return {language: LISTEN[language] + text for language, text in scripts.items()}


def default_rules(small_claim_threshold: Decimal) -> list[dict[str, object]]:
    return [
        {
            "names": {
                "en": "Care or clinical complaint: the provider meets the patient",
                "fr": "Réclamation sur les soins\u00a0: le soignant rencontre le patient",
                "pt": "Reclamação sobre os cuidados: o profissional de saúde reúne-se com o paciente",
                "nb": "Klage på behandlingen: behandleren møter pasienten",
                "ru": "Жалоба на лечение: врач встречается с пациентом",
            },
            "categories": ["care_quality"],
            "route_to": "provider",
            "meeting_within_hours": 4,
            "proposal_kind": "write_off",
            "approval_role": "office_manager",
            "scripts": _after_listening(
                {
                    "en": "Offer a meeting with the provider today, or a call from them as soon as possible. Say "
                    "that the balance left after insurance may be written off, and what will be done so it does "
                    "not happen again.",
                    "fr": "Proposez un rendez-vous avec le soignant aujourd'hui, ou un appel de sa part dès que "
                    "possible. Dites que le reste à payer après l'assurance peut être annulé, et ce qui sera fait "
                    "pour que cela ne se reproduise pas.",
                    "pt": "Proponha uma reunião com o profissional de saúde ainda hoje, ou um telefonema dele o "
                    "mais depressa possível. Diga que o valor que fica por pagar depois do seguro pode ser anulado "
                    "e o que será feito para que não volte a acontecer.",
                    "nb": "Tilby et møte med behandleren i dag, eller at behandleren ringer så snart som mulig. "
                    "Si at det som gjenstår etter forsikringen kan bli avskrevet, og hva som blir gjort for at det "
                    "ikke skal skje igjen.",
                    "ru": "Предложите встречу с врачом сегодня или его звонок как можно скорее. Скажите, что "
                    "остаток после страховки может быть списан, и что будет сделано, чтобы это не повторилось.",
                }
            ),
        },
        {
            "names": {
                "en": "Service incident: the office manager meets the patient",
                "fr": "Incident de service\u00a0: le responsable administratif rencontre le patient",
                "pt": "Incidente no atendimento: o gestor administrativo reúne-se com o paciente",
                "nb": "Klage på servicen: kontorlederen møter pasienten",
                "ru": "Проблема с обслуживанием: руководитель офиса встречается с пациентом",
            },
            "categories": ["service_incident"],
            "route_to": "office_manager",
            "meeting_within_hours": 24,
            "proposal_kind": "reduction",
            "proposal_percent": Decimal("50"),
            "approval_role": "office_manager",
            "scripts": _after_listening(
                {
                    "en": "Apologise for the experience, invite the patient to meet the office manager (or offer "
                    "a call), and say what will change.",
                    "fr": "Excusez-vous pour ce qui s'est passé, invitez le patient à rencontrer le responsable "
                    "administratif (ou proposez un appel) et dites ce qui va changer.",
                    "pt": "Peça desculpa pelo sucedido, convide o paciente a reunir-se com o gestor "
                    "administrativo (ou proponha um telefonema) e diga o que vai mudar.",
                    "nb": "Be om unnskyldning for opplevelsen, inviter pasienten til et møte med kontorlederen "
                    "(eller tilby en telefonsamtale), og si hva som skal endres.",
                    "ru": "Извинитесь за случившееся, пригласите пациента на встречу с руководителем офиса (или "
                    "предложите созвониться) и скажите, что изменится.",
                }
            ),
        },
        {
            "names": {
                "en": "Small billing error: credit the claim",
                "fr": "Petite erreur de facturation\u00a0: créditer le montant",
                "pt": "Pequeno erro de faturação: creditar o valor",
                "nb": "Liten feil i fakturaen: krediter beløpet",
                "ru": "Небольшая ошибка в счёте: зачесть сумму в пользу пациента",
            },
            "categories": ["billing_error"],
            "max_amount": small_claim_threshold,
            "route_to": "billing",
            "meeting_within_hours": 48,
            "proposal_kind": "small_claim_credit",
            "approval_role": "billing",
            "scripts": _after_listening(
                {
                    "en": "Check the lines together. A small error is credited at once; confirm in writing.",
                    "fr": "Vérifiez les lignes ensemble. Une petite erreur est créditée tout de suite\u00a0; "
                    "confirmez par écrit.",
                    "pt": "Verifiquem as linhas em conjunto. Um pequeno erro é creditado de imediato; confirme "
                    "por escrito.",
                    "nb": "Gå gjennom linjene sammen. En liten feil krediteres med en gang; bekreft skriftlig.",
                    "ru": "Проверьте строки счёта вместе с пациентом. Небольшая ошибка исправляется сразу; "
                    "подтвердите это письменно.",
                }
            ),
        },
        {
            "names": {
                "en": "Billing error: correct the bill",
                "fr": "Erreur de facturation\u00a0: corriger la facture",
                "pt": "Erro de faturação: corrigir a fatura",
                "nb": "Feil i fakturaen: rett fakturaen",
                "ru": "Ошибка в счёте: исправить счёт",
            },
            "categories": ["billing_error"],
            "route_to": "billing",
            "meeting_within_hours": 48,
            "proposal_kind": "reduction",
            "proposal_percent": Decimal("100"),
            "approval_role": "billing",
            "scripts": _after_listening(
                {
                    "en": "Check the lines together; correct what is wrong and send a corrected statement.",
                    "fr": "Vérifiez les lignes ensemble\u00a0; corrigez ce qui est faux et envoyez un relevé corrigé.",
                    "pt": "Verifiquem as linhas em conjunto; corrija o que estiver errado e envie um extrato "
                    "corrigido.",
                    "nb": "Gå gjennom linjene sammen; rett det som er feil, og send en rettet oversikt.",
                    "ru": "Проверьте строки счёта вместе с пациентом; исправьте ошибки и отправьте исправленную "
                    "выписку.",
                }
            ),
        },
        {
            "names": {
                "en": "Insurance not billed or billed wrongly: hold and re-bill",
                "fr": "Assurance non facturée ou mal facturée\u00a0: suspendre et refacturer",
                "pt": "Seguro não faturado ou mal faturado: suspender e voltar a faturar",
                "nb": "Forsikringen er ikke fakturert eller feil fakturert: stans og fakturer på nytt",
                "ru": "Страховщику не выставили счёт или выставили с ошибкой: приостановить и выставить заново",
            },
            "categories": ["insurance"],
            "route_to": "billing",
            "meeting_within_hours": 72,
            "proposal_kind": "hold_for_insurance",
            "scripts": _after_listening(
                {
                    "en": "Collections pause while billing sends or corrects the claim to the insurer. The "
                    "patient pays only what is left after insurance.",
                    "fr": "Le recouvrement est suspendu pendant que la facturation envoie ou corrige la demande "
                    "à l'assureur. Le patient ne paie que ce qui reste après l'assurance.",
                    "pt": "A cobrança fica suspensa enquanto a faturação envia ou corrige o pedido à seguradora. "
                    "O paciente paga apenas o que fica por pagar depois do seguro.",
                    "nb": "Innfordringen stanses mens fakturaavdelingen sender eller retter kravet til "
                    "forsikringsselskapet. Pasienten betaler bare det som gjenstår etter forsikringen.",
                    "ru": "Взыскание приостанавливается, пока отдел расчётов отправляет или исправляет требование "
                    "страховщику. Пациент платит только то, что остаётся после страховки.",
                }
            ),
        },
        {
            "names": {
                "en": "Coverage misunderstanding: explain what the card or insurer covers",
                "fr": "Malentendu sur la prise en charge\u00a0: expliquer ce que couvrent la carte ou l'assureur",
                "pt": "Mal-entendido sobre a cobertura: explicar o que o cartão ou a seguradora cobre",
                "nb": "Misforståelse om dekningen: forklar hva frikortet eller forsikringen dekker",
                "ru": "Недопонимание о покрытии: объяснить, что покрывает карта или страховщик",
            },
            "categories": ["coverage_misunderstanding"],
            "route_to": "front_desk",
            "meeting_within_hours": 24,
            "proposal_kind": "explanation",
            "scripts": _after_listening(
                {
                    "en": "Explain kindly: an exemption card (frikort) does not cover materials, certificates, "
                    "copies of records or no-show fees; a terminal showing zero can mean the payment went through "
                    "too fast. Show the line in question.",
                    "fr": "Expliquez avec bienveillance\u00a0: la carte d'exonération (frikort) ne couvre ni le "
                    "matériel, ni les certificats, ni les copies de dossier, ni les frais de rendez-vous manqué\u00a0; "
                    "un terminal qui affiche zéro peut signifier que le paiement est passé trop vite. Montrez la "
                    "ligne concernée.",
                    "pt": "Explique com simpatia: o cartão de isenção (frikort) não cobre materiais, atestados, "
                    "cópias do processo clínico nem taxas por falta à consulta; um terminal que mostra zero pode "
                    "querer dizer que o pagamento foi feito depressa demais. Mostre a linha em causa.",
                    "nb": "Forklar vennlig: frikortet dekker ikke materiell, attester, kopi av journal eller "
                    "gebyr for uteblitt time; en terminal som viser null, kan bety at betalingen gikk for fort. "
                    "Vis linjen det gjelder.",
                    "ru": "Объясните доброжелательно: карта освобождения от оплаты (frikort) не покрывает "
                    "материалы, справки, копии медицинской карты и плату за неявку; если терминал показал ноль, "
                    "возможно, оплата прошла слишком быстро. Покажите нужную строку счёта.",
                }
            ),
        },
        {
            "names": {
                "en": "Partial payment: explain the separate charge",
                "fr": "Paiement partiel\u00a0: expliquer les frais facturés à part",
                "pt": "Pagamento parcial: explicar o valor cobrado à parte",
                "nb": "Delvis betaling: forklar beløpet som kom i tillegg",
                "ru": "Частичная оплата: объяснить отдельное начисление",
            },
            "categories": ["partial_payment"],
            "route_to": "front_desk",
            "meeting_within_hours": 24,
            "proposal_kind": "explanation",
            "scripts": _after_listening(
                {
                    "en": "Explain that only the consultation was paid at the desk because the lab charge had not "
                    "reached the terminal yet; show both lines.",
                    "fr": "Expliquez que seule la consultation a été payée à l'accueil, parce que les frais de "
                    "laboratoire n'étaient pas encore arrivés sur le terminal\u00a0; montrez les deux lignes.",
                    "pt": "Explique que só a consulta foi paga na receção, porque o valor das análises ainda não "
                    "tinha chegado ao terminal; mostre as duas linhas.",
                    "nb": "Forklar at bare konsultasjonen ble betalt i resepsjonen fordi laboratoriebeløpet ennå "
                    "ikke hadde kommet inn på terminalen; vis begge linjene.",
                    "ru": "Объясните, что в регистратуре оплатили только консультацию, потому что плата за "
                    "анализы ещё не поступила на терминал; покажите обе строки.",
                }
            ),
        },
        {
            "names": {
                "en": "What is this invoice for: the clinic answers, never collections",
                "fr": "À quoi correspond cette facture\u00a0: le cabinet répond, jamais le recouvrement",
                "pt": "A que se refere esta fatura: responde a clínica, nunca a cobrança",
                "nb": "Hva gjelder fakturaen: klinikken svarer, aldri innfordring",
                "ru": "За что этот счёт: отвечает клиника, а не служба взыскания",
            },
            "categories": ["invoice_question"],
            "route_to": "provider",
            "meeting_within_hours": 72,
            "proposal_kind": "explanation",
            "scripts": {
                "en": "Collections pause. The provider's team explains the visit and each line in plain words.",
                "fr": "Le recouvrement est suspendu. L'équipe du soignant explique la consultation et chaque ligne "
                "avec des mots simples.",
                "pt": "A cobrança fica suspensa. A equipa do profissional de saúde explica a consulta e cada linha "
                "em palavras simples.",
                "nb": "Innfordringen stanses. Behandlerens team forklarer besøket og hver linje med enkle ord.",
                "ru": "Взыскание приостанавливается. Команда врача простыми словами объясняет визит и каждую "
                "строку счёта.",
            },
        },
        {
            "names": {
                "en": "Cannot pay now, larger balance: offer a payment plan",
                "fr": "Ne peut pas payer maintenant, montant important\u00a0: proposer un échéancier",
                "pt": "Não pode pagar agora, valor elevado: propor um plano de pagamento",
                "nb": "Kan ikke betale nå, større beløp: tilby en nedbetalingsplan",
                "ru": "Не может заплатить сейчас, крупная сумма: предложить рассрочку",
            },
            "categories": ["cannot_pay"],
            "min_amount": Decimal("1000.00"),
            "route_to": "billing",
            "meeting_within_hours": 72,
            "proposal_kind": "payment_plan",
            "scripts": {
                "en": "Thank the patient for telling us. Offer monthly instalments they can keep; no judgement.",
                "fr": "Remerciez le patient de nous avoir prévenus. Proposez des mensualités qu'il peut tenir, "
                "sans jugement.",
                "pt": "Agradeça ao paciente por nos ter avisado. Proponha prestações mensais que consiga cumprir, "
                "sem julgamentos.",
                "nb": "Takk pasienten for at de sa ifra. Tilby månedlige avdrag pasienten klarer å betale, uten "
                "å dømme.",
                "ru": "Поблагодарите пациента за то, что он сообщил нам об этом. Предложите ежемесячные платежи, "
                "которые ему по силам, без осуждения.",
            },
        },
        {
            "names": {
                "en": "Cannot pay now: offer a deferral",
                "fr": "Ne peut pas payer maintenant\u00a0: proposer un report de paiement",
                "pt": "Não pode pagar agora: propor um adiamento do pagamento",
                "nb": "Kan ikke betale nå: tilby betalingsutsettelse",
                "ru": "Не может заплатить сейчас: предложить отсрочку",
            },
            "categories": ["cannot_pay"],
            "route_to": "billing",
            "meeting_within_hours": 72,
            "proposal_kind": "deferral",
            "scripts": {
                "en": "Thank the patient for telling us. Offer to move the due date; agree a date they can keep.",
                "fr": "Remerciez le patient de nous avoir prévenus. Proposez de reporter l'échéance\u00a0; "
                "convenez d'une date qu'il peut tenir.",
                "pt": "Agradeça ao paciente por nos ter avisado. Proponha adiar a data de vencimento; combinem "
                "uma data que consiga cumprir.",
                "nb": "Takk pasienten for at de sa ifra. Tilby å flytte forfallsdatoen, og avtal en dato "
                "pasienten klarer å holde.",
                "ru": "Поблагодарите пациента за то, что он сообщил нам об этом. Предложите перенести срок "
                "оплаты и договоритесь о дате, которую он сможет соблюсти.",
            },
        },
    ]
