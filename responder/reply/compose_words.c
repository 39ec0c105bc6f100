/*
 * compose_words.c - the few words of a reply that are data, not
 * templates: the one-line summary of each reason ("reason_text") and the
 * subject used when the complaint had none, in every reply language.
 * Everything longer lives in templates/<lang>/.
 */
#include "responder/reply/compose_int.h"

#include <string.h>

/* clang-format off */
static const char *const reason_en[REASON_COUNT] = {
	[REASON_DELIVERED] = "accepted by the receiving mail server",
	[REASON_DEFERRED] = "temporarily refused; we are still trying",
	[REASON_GREYLISTED] = "greylisted (a temporary first-contact refusal); we are still trying",
	[REASON_USER_UNKNOWN] = "the address does not exist at the receiving mail server",
	[REASON_HOST_UNKNOWN] = "the recipient's domain has no reachable mail server",
	[REASON_MAILBOX_FULL] = "the recipient's mailbox is full",
	[REASON_MESSAGE_TOO_LARGE] = "the message is larger than the receiving server accepts",
	[REASON_BLOCKLISTED] = "the receiving server refused mail from our sending server (blocklist or reputation)",
	[REASON_SPAM_DETECTED] = "the receiving server judged the message to be spam",
	[REASON_AUTH_FAILURE] = "the message failed the receiving server's sender checks (SPF, DKIM or DMARC)",
	[REASON_POLICY_REJECTED] = "the receiving server's policy refused the message",
	[REASON_RATE_LIMITED] = "the receiving server is limiting how much mail it takes from us",
	[REASON_SUSPENDED] = "the recipient's mailbox is disabled or suspended",
	[REASON_RELAY_DENIED] = "the receiving server does not accept mail for this address",
	[REASON_NETWORK_ERROR] = "the receiving mail server could not be reached",
	[REASON_TLS_FAILURE] = "a secure (TLS) connection to the receiving server could not be set up",
	[REASON_EXPIRED] = "we tried for too long without success and gave up",
	[REASON_OTHER] = "the receiving server refused the message (see its reply)",
};
static const char *const reason_de[REASON_COUNT] = {
	[REASON_DELIVERED] = "vom empfangenden Mailserver angenommen",
	[REASON_DEFERRED] = "vorübergehend abgelehnt; wir versuchen es weiter",
	[REASON_GREYLISTED] = "Greylisting (eine vorübergehende Abweisung beim ersten Kontakt); wir versuchen es weiter",
	[REASON_USER_UNKNOWN] = "die Adresse existiert auf dem empfangenden Mailserver nicht",
	[REASON_HOST_UNKNOWN] = "für die Domain des Empfängers ist kein erreichbarer Mailserver eingetragen",
	[REASON_MAILBOX_FULL] = "das Postfach des Empfängers ist voll",
	[REASON_MESSAGE_TOO_LARGE] = "die Nachricht ist größer, als der empfangende Server annimmt",
	[REASON_BLOCKLISTED] = "der empfangende Server lehnt Mail von unserem Versandserver ab (Sperrliste oder Reputation)",
	[REASON_SPAM_DETECTED] = "der empfangende Server hat die Nachricht als Spam eingestuft",
	[REASON_AUTH_FAILURE] = "die Nachricht hat die Absenderprüfung des empfangenden Servers nicht bestanden (SPF, DKIM oder DMARC)",
	[REASON_POLICY_REJECTED] = "die Richtlinien des empfangenden Servers haben die Nachricht abgelehnt",
	[REASON_RATE_LIMITED] = "der empfangende Server begrenzt, wie viel Mail er von uns annimmt",
	[REASON_SUSPENDED] = "das Postfach des Empfängers ist deaktiviert oder gesperrt",
	[REASON_RELAY_DENIED] = "der empfangende Server nimmt für diese Adresse keine Mail an",
	[REASON_NETWORK_ERROR] = "der empfangende Mailserver war nicht erreichbar",
	[REASON_TLS_FAILURE] = "eine sichere (TLS-)Verbindung zum empfangenden Server kam nicht zustande",
	[REASON_EXPIRED] = "wir haben es zu lange erfolglos versucht und aufgegeben",
	[REASON_OTHER] = "der empfangende Server hat die Nachricht abgelehnt (siehe seine Antwort)",
};
static const char *const reason_fr[REASON_COUNT] = {
	[REASON_DELIVERED] = "acceptée par le serveur de messagerie destinataire",
	[REASON_DEFERRED] = "refusée temporairement ; nous continuons d'essayer",
	[REASON_GREYLISTED] = "mise en liste grise (un refus temporaire au premier contact) ; nous continuons d'essayer",
	[REASON_USER_UNKNOWN] = "l'adresse n'existe pas sur le serveur de messagerie destinataire",
	[REASON_HOST_UNKNOWN] = "le domaine du destinataire n'a aucun serveur de messagerie joignable",
	[REASON_MAILBOX_FULL] = "la boîte aux lettres du destinataire est pleine",
	[REASON_MESSAGE_TOO_LARGE] = "le message dépasse la taille acceptée par le serveur destinataire",
	[REASON_BLOCKLISTED] = "le serveur destinataire refuse le courrier de notre serveur d'envoi (liste de blocage ou réputation)",
	[REASON_SPAM_DETECTED] = "le serveur destinataire a considéré le message comme du spam",
	[REASON_AUTH_FAILURE] = "le message n'a pas passé les contrôles d'expéditeur du serveur destinataire (SPF, DKIM ou DMARC)",
	[REASON_POLICY_REJECTED] = "la politique du serveur destinataire a refusé le message",
	[REASON_RATE_LIMITED] = "le serveur destinataire limite la quantité de courrier qu'il accepte de notre part",
	[REASON_SUSPENDED] = "la boîte aux lettres du destinataire est désactivée ou suspendue",
	[REASON_RELAY_DENIED] = "le serveur destinataire n'accepte pas de courrier pour cette adresse",
	[REASON_NETWORK_ERROR] = "le serveur de messagerie destinataire était injoignable",
	[REASON_TLS_FAILURE] = "impossible d'établir une connexion sécurisée (TLS) avec le serveur destinataire",
	[REASON_EXPIRED] = "nous avons essayé trop longtemps sans succès et avons abandonné",
	[REASON_OTHER] = "le serveur destinataire a refusé le message (voir sa réponse)",
};
static const char *const reason_es[REASON_COUNT] = {
	[REASON_DELIVERED] = "aceptado por el servidor de correo de destino",
	[REASON_DEFERRED] = "rechazado temporalmente; seguimos intentándolo",
	[REASON_GREYLISTED] = "en lista gris (un rechazo temporal en el primer contacto); seguimos intentándolo",
	[REASON_USER_UNKNOWN] = "la dirección no existe en el servidor de correo de destino",
	[REASON_HOST_UNKNOWN] = "el dominio del destinatario no tiene ningún servidor de correo accesible",
	[REASON_MAILBOX_FULL] = "el buzón del destinatario está lleno",
	[REASON_MESSAGE_TOO_LARGE] = "el mensaje supera el tamaño que acepta el servidor de destino",
	[REASON_BLOCKLISTED] = "el servidor de destino rechaza el correo de nuestro servidor de envío (lista de bloqueo o reputación)",
	[REASON_SPAM_DETECTED] = "el servidor de destino consideró el mensaje como spam",
	[REASON_AUTH_FAILURE] = "el mensaje no superó las comprobaciones de remitente del servidor de destino (SPF, DKIM o DMARC)",
	[REASON_POLICY_REJECTED] = "las políticas del servidor de destino rechazaron el mensaje",
	[REASON_RATE_LIMITED] = "el servidor de destino limita cuánto correo acepta de nosotros",
	[REASON_SUSPENDED] = "el buzón del destinatario está desactivado o suspendido",
	[REASON_RELAY_DENIED] = "el servidor de destino no acepta correo para esta dirección",
	[REASON_NETWORK_ERROR] = "no se pudo contactar con el servidor de correo de destino",
	[REASON_TLS_FAILURE] = "no se pudo establecer una conexión segura (TLS) con el servidor de destino",
	[REASON_EXPIRED] = "lo intentamos durante demasiado tiempo sin éxito y desistimos",
	[REASON_OTHER] = "el servidor de destino rechazó el mensaje (vea su respuesta)",
};
static const char *const reason_it[REASON_COUNT] = {
	[REASON_DELIVERED] = "accettato dal server di posta del destinatario",
	[REASON_DEFERRED] = "rifiutato temporaneamente; stiamo ancora riprovando",
	[REASON_GREYLISTED] = "in greylisting (un rifiuto temporaneo al primo contatto); stiamo ancora riprovando",
	[REASON_USER_UNKNOWN] = "l'indirizzo non esiste sul server di posta del destinatario",
	[REASON_HOST_UNKNOWN] = "il dominio del destinatario non ha un server di posta raggiungibile",
	[REASON_MAILBOX_FULL] = "la casella del destinatario è piena",
	[REASON_MESSAGE_TOO_LARGE] = "il messaggio è più grande di quanto accetta il server del destinatario",
	[REASON_BLOCKLISTED] = "il server del destinatario rifiuta la posta del nostro server di invio (blocklist o reputazione)",
	[REASON_SPAM_DETECTED] = "il server del destinatario ha classificato il messaggio come spam",
	[REASON_AUTH_FAILURE] = "il messaggio non ha superato i controlli sul mittente del server del destinatario (SPF, DKIM o DMARC)",
	[REASON_POLICY_REJECTED] = "le regole del server del destinatario hanno rifiutato il messaggio",
	[REASON_RATE_LIMITED] = "il server del destinatario limita la quantità di posta che accetta da noi",
	[REASON_SUSPENDED] = "la casella del destinatario è disattivata o sospesa",
	[REASON_RELAY_DENIED] = "il server del destinatario non accetta posta per questo indirizzo",
	[REASON_NETWORK_ERROR] = "il server di posta del destinatario non era raggiungibile",
	[REASON_TLS_FAILURE] = "non è stato possibile stabilire una connessione sicura (TLS) con il server del destinatario",
	[REASON_EXPIRED] = "abbiamo riprovato troppo a lungo senza successo e ci siamo fermati",
	[REASON_OTHER] = "il server del destinatario ha rifiutato il messaggio (vedi la sua risposta)",
};
static const char *const reason_nl[REASON_COUNT] = {
	[REASON_DELIVERED] = "aangenomen door de ontvangende mailserver",
	[REASON_DEFERRED] = "tijdelijk geweigerd; we blijven het proberen",
	[REASON_GREYLISTED] = "gegreylist (een tijdelijke weigering bij het eerste contact); we blijven het proberen",
	[REASON_USER_UNKNOWN] = "het adres bestaat niet op de ontvangende mailserver",
	[REASON_HOST_UNKNOWN] = "het domein van de ontvanger heeft geen bereikbare mailserver",
	[REASON_MAILBOX_FULL] = "de mailbox van de ontvanger is vol",
	[REASON_MESSAGE_TOO_LARGE] = "het bericht is groter dan de ontvangende server accepteert",
	[REASON_BLOCKLISTED] = "de ontvangende server weigert mail van onze verzendserver (blokkeerlijst of reputatie)",
	[REASON_SPAM_DETECTED] = "de ontvangende server beoordeelde het bericht als spam",
	[REASON_AUTH_FAILURE] = "het bericht kwam niet door de afzendercontrole van de ontvangende server (SPF, DKIM of DMARC)",
	[REASON_POLICY_REJECTED] = "het beleid van de ontvangende server weigerde het bericht",
	[REASON_RATE_LIMITED] = "de ontvangende server beperkt hoeveel mail hij van ons aanneemt",
	[REASON_SUSPENDED] = "de mailbox van de ontvanger is uitgeschakeld of geblokkeerd",
	[REASON_RELAY_DENIED] = "de ontvangende server neemt geen mail aan voor dit adres",
	[REASON_NETWORK_ERROR] = "de ontvangende mailserver was niet bereikbaar",
	[REASON_TLS_FAILURE] = "er kon geen beveiligde (TLS-)verbinding met de ontvangende server worden opgezet",
	[REASON_EXPIRED] = "we hebben het te lang zonder succes geprobeerd en zijn gestopt",
	[REASON_OTHER] = "de ontvangende server weigerde het bericht (zie zijn antwoord)",
};
static const char *const reason_pt[REASON_COUNT] = {
	[REASON_DELIVERED] = "aceita pelo servidor de e-mail do destinatário",
	[REASON_DEFERRED] = "recusada temporariamente; continuamos tentando",
	[REASON_GREYLISTED] = "em lista cinza (uma recusa temporária no primeiro contato); continuamos tentando",
	[REASON_USER_UNKNOWN] = "o endereço não existe no servidor de e-mail do destinatário",
	[REASON_HOST_UNKNOWN] = "o domínio do destinatário não tem nenhum servidor de e-mail acessível",
	[REASON_MAILBOX_FULL] = "a caixa postal do destinatário está cheia",
	[REASON_MESSAGE_TOO_LARGE] = "a mensagem é maior do que o servidor do destinatário aceita",
	[REASON_BLOCKLISTED] = "o servidor do destinatário recusa e-mails do nosso servidor de envio (lista de bloqueio ou reputação)",
	[REASON_SPAM_DETECTED] = "o servidor do destinatário considerou a mensagem spam",
	[REASON_AUTH_FAILURE] = "a mensagem não passou nas verificações de remetente do servidor do destinatário (SPF, DKIM ou DMARC)",
	[REASON_POLICY_REJECTED] = "as políticas do servidor do destinatário recusaram a mensagem",
	[REASON_RATE_LIMITED] = "o servidor do destinatário está limitando quantos e-mails aceita de nós",
	[REASON_SUSPENDED] = "a caixa postal do destinatário está desativada ou suspensa",
	[REASON_RELAY_DENIED] = "o servidor do destinatário não aceita e-mails para este endereço",
	[REASON_NETWORK_ERROR] = "não foi possível contatar o servidor de e-mail do destinatário",
	[REASON_TLS_FAILURE] = "não foi possível estabelecer uma conexão segura (TLS) com o servidor do destinatário",
	[REASON_EXPIRED] = "tentamos por tempo demais sem sucesso e desistimos",
	[REASON_OTHER] = "o servidor do destinatário recusou a mensagem (veja a resposta dele)",
};
static const char *const reason_pl[REASON_COUNT] = {
	[REASON_DELIVERED] = "przyjęta przez serwer pocztowy odbiorcy",
	[REASON_DEFERRED] = "tymczasowo odrzucona; nadal próbujemy",
	[REASON_GREYLISTED] = "greylisting (tymczasowe odrzucenie przy pierwszym kontakcie); nadal próbujemy",
	[REASON_USER_UNKNOWN] = "adres nie istnieje na serwerze pocztowym odbiorcy",
	[REASON_HOST_UNKNOWN] = "domena odbiorcy nie ma osiągalnego serwera pocztowego",
	[REASON_MAILBOX_FULL] = "skrzynka odbiorcy jest pełna",
	[REASON_MESSAGE_TOO_LARGE] = "wiadomość jest większa, niż przyjmuje serwer odbiorcy",
	[REASON_BLOCKLISTED] = "serwer odbiorcy odrzuca pocztę z naszego serwera wysyłającego (czarna lista lub reputacja)",
	[REASON_SPAM_DETECTED] = "serwer odbiorcy uznał wiadomość za spam",
	[REASON_AUTH_FAILURE] = "wiadomość nie przeszła weryfikacji nadawcy na serwerze odbiorcy (SPF, DKIM lub DMARC)",
	[REASON_POLICY_REJECTED] = "zasady serwera odbiorcy odrzuciły wiadomość",
	[REASON_RATE_LIMITED] = "serwer odbiorcy ogranicza liczbę wiadomości, które od nas przyjmuje",
	[REASON_SUSPENDED] = "skrzynka odbiorcy jest wyłączona lub zawieszona",
	[REASON_RELAY_DENIED] = "serwer odbiorcy nie przyjmuje poczty dla tego adresu",
	[REASON_NETWORK_ERROR] = "nie udało się połączyć z serwerem pocztowym odbiorcy",
	[REASON_TLS_FAILURE] = "nie udało się nawiązać bezpiecznego połączenia (TLS) z serwerem odbiorcy",
	[REASON_EXPIRED] = "próbowaliśmy zbyt długo bez powodzenia i zrezygnowaliśmy",
	[REASON_OTHER] = "serwer odbiorcy odrzucił wiadomość (zobacz jego odpowiedź)",
};
/* clang-format on */

static const char *const *
reasons_of(enum lang l)
{
	switch (l) {
	case LANG_EN:
		return reason_en;
	case LANG_DE:
		return reason_de;
	case LANG_FR:
		return reason_fr;
	case LANG_ES:
		return reason_es;
	case LANG_IT:
		return reason_it;
	case LANG_NL:
		return reason_nl;
	case LANG_PT:
		return reason_pt;
	case LANG_PL:
		return reason_pl;
	}
	return reason_en;
}

const char *
compose_reason_text(enum lang l, enum reason r)
{
	if ((int)r < 0 || r >= REASON_COUNT)
		r = REASON_OTHER;
	return reasons_of(l)[r];
}

const char *
compose_queued_text(enum lang l)
{
	switch (l) {
	case LANG_EN:
		return "queued; no delivery attempt yet";
	case LANG_DE:
		return "in der Warteschlange; noch kein Zustellversuch";
	case LANG_FR:
		return "en file d'attente ; aucune tentative de remise pour l'instant";
	case LANG_ES:
		return "en cola; todavía no se ha intentado la entrega";
	case LANG_IT:
		return "in coda; nessun tentativo di consegna finora";
	case LANG_NL:
		return "in de wachtrij; nog geen afleverpoging";
	case LANG_PT:
		return "na fila; nenhuma tentativa de entrega ainda";
	case LANG_PL:
		return "w kolejce; jeszcze nie było próby doręczenia";
	}
	return "queued; no delivery attempt yet";
}

const char *
compose_default_subject(enum lang l)
{
	switch (l) {
	case LANG_EN:
		return "Re: your delivery question";
	case LANG_DE:
		return "Re: Ihre Frage zur Zustellung";
	case LANG_FR:
		return "Re: votre question sur la remise d'un message";
	case LANG_ES:
		return "Re: su consulta sobre la entrega";
	case LANG_IT:
		return "Re: la sua richiesta sulla consegna";
	case LANG_NL:
		return "Re: uw vraag over de aflevering";
	case LANG_PT:
		return "Re: sua pergunta sobre a entrega";
	case LANG_PL:
		return "Re: pytanie o doręczenie wiadomości";
	}
	return "Re: your delivery question";
}

/* A recipient's state in the reply's words (the stored state is English:
 * delivered, deferred, bounced, pending). */
const char *
compose_status_text(enum lang l, const char *status)
{
	/* clang-format off */
	static const struct {
		enum lang l;
		const char *w[4]; /* delivered, deferred, bounced, pending */
	} words[] = {
		{ LANG_DE, { "zugestellt", "verzögert", "abgewiesen", "wartet" } },
		{ LANG_FR, { "remis", "différé", "rejeté", "en attente" } },
		{ LANG_ES, { "entregado", "demorado", "rechazado", "en cola" } },
		{ LANG_IT, { "consegnato", "in ritardo", "respinto", "in coda" } },
		{ LANG_NL, { "afgeleverd", "vertraagd", "geweigerd", "in de wachtrij" } },
		{ LANG_PT, { "entregue", "adiado", "recusado", "na fila" } },
		{ LANG_PL, { "doręczona", "opóźniona", "odrzucona", "w kolejce" } },
	};
	/* clang-format on */
	static const char *const states[4] = { "delivered", "deferred", "bounced", "pending" };

	if (!status)
		return NULL;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (words[i].l != l)
			continue;
		for (size_t k = 0; k < 4; k++)
			if (strcmp(status, states[k]) == 0)
				return words[i].w[k];
	}
	return status;
}
