/*
 * forward_labels.c - the words mail clients write around a forwarded
 * message, as data: header labels per field and language, separator
 * phrases, "wrote" verbs and forward subject prefixes; plus the small
 * UTF-8 case folding used to compare them.
 *
 * Languages: cs da de en es et fi fr hr hu it ja nl no pl pt (pt_br) ro ru
 * sk sv tr uk.  Strings are UTF-8 as the clients write them; comparison
 * folds case (ASCII, Latin-1, Latin Extended-A, Romanian, Cyrillic).
 *
 * SECURITY: the compared text is the complaint's.  Every function works on
 * (pointer, length) spans and never reads past them; malformed UTF-8
 * (overlong forms and surrogates included: common/utf8.h's decoder)
 * decodes as U+FFFD.
 */
#include "responder/forward/forward_int.h"

#include <string.h>

uint32_t
fwd_fold(uint32_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c + 32;
	if (c < 0x80)
		return c;
	if (c >= 0xC0 && c <= 0xDE && c != 0xD7)
		return c + 32;
	if (c == 0x130) /* İ */
		return 'i';
	if (c == 0x15F || c == 0x15E) /* ş Ş: Romanian cedilla form */
		return 0x219;
	if (c == 0x163 || c == 0x162) /* ţ Ţ */
		return 0x21B;
	if ((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177))
		return c | 1u;
	if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
		return (c & 1u) ? c + 1 : c;
	if (c >= 0x218 && c <= 0x21B)
		return c | 1u;
	if (c >= 0x410 && c <= 0x42F)
		return c + 0x20;
	if (c >= 0x400 && c <= 0x40F)
		return c + 0x50;
	if (c >= 0x490 && c <= 0x4BF) /* Ґ ... */
		return c | 1u;
	return c;
}

size_t
fwd_prefix_fold(const char *s, size_t n, const char *t)
{
	const char *p = s, *end = s + n, *q = t;

	while (*q != '\0') {
		unsigned char a, b;

		if (p >= end)
			return 0;
		a = (unsigned char)*p;
		b = (unsigned char)*q;
		if (a < 0x80 && b < 0x80) {
			/* ASCII fast path */
			if (a >= 'A' && a <= 'Z')
				a = (unsigned char)(a + 32);
			if (b >= 'A' && b <= 'Z')
				b = (unsigned char)(b + 32);
			if (a != b)
				return 0;
			p++;
			q++;
			continue;
		}
		if (fwd_fold(utf8_next(&p, end)) != fwd_fold(utf8_next(&q, q + strnlen(q, 4))))
			return 0;
	}
	return (size_t)(p - s);
}

int
fwd_eq_fold(const char *s, size_t n, const char *t)
{
	return n > 0 && fwd_prefix_fold(s, n, t) == n;
}

int
fwd_is_space_at(const char *s, size_t n, size_t *len_r)
{
	const unsigned char *u = (const unsigned char *)s;

	if (n == 0)
		return 0;
	if (u[0] == ' ' || u[0] == '\t' || u[0] == '\r' || u[0] == '\n' || u[0] == '\v' ||
	    u[0] == '\f') {
		*len_r = 1;
		return 1;
	}
	if (n >= 2 && u[0] == 0xC2 && u[1] == 0xA0) { /* NBSP */
		*len_r = 2;
		return 1;
	}
	if (n >= 3 &&
	    ((u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) ||			  /* BOM */
	     (u[0] == 0xE2 && u[1] == 0x80 && (u[2] == 0xAF || u[2] == 0x8B)))) { /* NNBSP, ZWSP */
		*len_r = 3;
		return 1;
	}
	return 0;
}

void
fwd_trim(const char **s, size_t *n)
{
	size_t k;

	while (*n > 0 && fwd_is_space_at(*s, *n, &k)) {
		*s += k;
		*n -= k;
	}
	for (;;) {
		size_t i, found = 0;

		if (*n == 0)
			return;
		/* a trailing space is 1 to 3 bytes long */
		for (i = 1; i <= 3 && i <= *n; i++) {
			if (fwd_is_space_at(*s + *n - i, i, &k) && k == i) {
				found = i;
				break;
			}
		}
		if (found == 0)
			return;
		*n -= found;
	}
}

/* ----------------------------------------------------------------------
 * Header labels.  lang is set when the label belongs to one language only
 * (it settles shared month names such as "listopad" in dates).
 */
struct label {
	const char *text;
	enum fwd_field field;
	const char *lang;
	int nocolon; /* Yahoo writes it without a colon */
};

/* clang-format off */
static const struct label labels[] = {
	/* From */
	{ "From", FF_FROM, "en", 0 }, { "Von", FF_FROM, "de", 0 },
	{ "Absender", FF_FROM, "de", 0 }, { "De", FF_FROM, NULL, 0 },
	{ "Da", FF_FROM, "it", 0 }, { "Mittente", FF_FROM, "it", 0 },
	{ "Od", FF_FROM, NULL, 0 }, { "Fra", FF_FROM, NULL, 0 },
	{ "Från", FF_FROM, "sv", 0 }, { "Van", FF_FROM, "nl", 0 },
	{ "Lähettäjä", FF_FROM, "fi", 0 }, { "Feladó", FF_FROM, "hu", 0 },
	{ "От", FF_FROM, "ru", 0 }, { "Отправитель", FF_FROM, "ru", 0 },
	{ "Від", FF_FROM, "uk", 0 }, { "Від кого", FF_FROM, "uk", 0 },
	{ "Kimden", FF_FROM, "tr", 0 }, { "Gönderen", FF_FROM, "tr", 0 },
	{ "送信者", FF_FROM, "ja", 0 }, { "差出人", FF_FROM, "ja", 0 },
	{ "送信元", FF_FROM, "ja", 0 }, { "Šalje", FF_FROM, "hr", 0 },
	{ "Pošiljatelj", FF_FROM, "hr", 0 }, { "Saatja", FF_FROM, "et", 0 },
	{ "Kellelt", FF_FROM, "et", 0 }, { "De la", FF_FROM, "ro", 0 },
	{ "Expeditor", FF_FROM, "ro", 0 }, { "Expeditorul", FF_FROM, "ro", 0 },
	{ "Nadawca", FF_FROM, "pl", 0 }, { "Afsender", FF_FROM, "da", 0 },
	{ "Avsender", FF_FROM, "no", 0 }, { "Avsändare", FF_FROM, "sv", 0 },
	{ "Remitente", FF_FROM, "es", 0 }, { "Expéditeur", FF_FROM, "fr", 0 },
	{ "Remetente", FF_FROM, "pt", 0 }, { "Afzender", FF_FROM, "nl", 0 },
	{ "Odesílatel", FF_FROM, "cs", 0 }, { "Odosielateľ", FF_FROM, "sk", 0 },
	{ "Küldő", FF_FROM, "hu", 0 },
	/* mail.ru, Chinese (simplified, traditional) and Korean clients */
	{ "От кого", FF_FROM, "ru", 0 }, { "发件人", FF_FROM, "zh", 0 },
	{ "寄件者", FF_FROM, "zh", 0 }, { "寄件人", FF_FROM, "zh", 0 },
	{ "보낸 사람", FF_FROM, "ko", 0 }, { "보낸사람", FF_FROM, "ko", 0 },
	/* To */
	{ "To", FF_TO, "en", 0 }, { "An", FF_TO, "de", 0 },
	{ "Empfänger", FF_TO, "de", 0 }, { "À", FF_TO, "fr", 0 },
	{ "Pour", FF_TO, "fr", 0 }, { "Destinataire", FF_TO, "fr", 0 },
	{ "A", FF_TO, NULL, 0 }, { "Para", FF_TO, NULL, 0 },
	{ "Aan", FF_TO, "nl", 0 }, { "Til", FF_TO, NULL, 0 },
	{ "Till", FF_TO, "sv", 0 }, { "Do", FF_TO, "pl", 0 },
	{ "Adresat", FF_TO, "pl", 0 }, { "Komu", FF_TO, NULL, 0 },
	{ "Pre", FF_TO, "sk", 0 }, { "Címzett", FF_TO, "hu", 0 },
	{ "Vastaanottaja", FF_TO, "fi", 0 }, { "Кому", FF_TO, NULL, 0 },
	{ "Kime", FF_TO, "tr", 0 }, { "Alıcı", FF_TO, "tr", 0 },
	{ "Prima", FF_TO, "hr", 0 }, { "Destinatarul", FF_TO, "ro", 0 },
	{ "Către", FF_TO, "ro", 0 }, { "Catre", FF_TO, "ro", 0 },
	{ "宛先", FF_TO, "ja", 0 }, { "送信先", FF_TO, "ja", 0 },
	{ "Saaja", FF_TO, "et", 0 }, { "Adressaat", FF_TO, "et", 0 }, { "Kellele", FF_TO, "et", 0 },
	{ "Destinatario", FF_TO, NULL, 0 }, { "Destinatari", FF_TO, "it", 0 },
	{ "Destinatário", FF_TO, "pt", 0 }, { "Modtager", FF_TO, "da", 0 },
	{ "Mottaker", FF_TO, "no", 0 }, { "Mottagare", FF_TO, "sv", 0 },
	{ "收件人", FF_TO, "zh", 0 }, { "收件者", FF_TO, "zh", 0 },
	{ "받는 사람", FF_TO, "ko", 0 }, { "받는사람", FF_TO, "ko", 0 },
	/* Cc */
	{ "Cc", FF_CC, NULL, 0 }, { "Kopie", FF_CC, NULL, 0 },
	{ "Kopie (CC)", FF_CC, "de", 0 }, { "Kopi", FF_CC, NULL, 0 },
	{ "Kopia", FF_CC, NULL, 0 }, { "Kopio", FF_CC, "fi", 0 },
	{ "Kópia", FF_CC, "sk", 0 }, { "Copie à", FF_CC, "fr", 0 },
	{ "Copie", FF_CC, "fr", 0 }, { "Másolat", FF_CC, "hu", 0 },
	{ "Másolatot kap", FF_CC, "hu", 0 }, { "Копия", FF_CC, "ru", 0 },
	{ "Копія", FF_CC, "uk", 0 }, { "Bilgi", FF_CC, "tr", 0 },
	{ "DW", FF_CC, "pl", 1 }, { "Kopia do", FF_CC, "pl", 0 },
	{ "Copia", FF_CC, NULL, 0 }, { "Cópia", FF_CC, "pt", 0 },
	{ "Koopia", FF_CC, "et", 0 }, { "Kopija", FF_CC, "hr", 0 },
	{ "Kopii", FF_CC, "ro", 0 }, { "CC", FF_CC, NULL, 0 },
	{ "抄送", FF_CC, "zh", 0 }, { "副本", FF_CC, "zh", 0 }, { "참조", FF_CC, "ko", 0 },
	/* Bcc */
	{ "Bcc", FF_BCC, NULL, 0 }, { "Blindkopie", FF_BCC, "de", 0 },
	{ "Cci", FF_BCC, "fr", 0 }, { "CCO", FF_BCC, NULL, 0 },
	{ "Ccn", FF_BCC, "it", 0 }, { "Piilokopio", FF_BCC, "fi", 0 },
	{ "Skrytá kopie", FF_BCC, "cs", 0 }, { "UDW", FF_BCC, "pl", 0 },
	{ "Скрытая копия", FF_BCC, "ru", 0 }, { "Titkos másolat", FF_BCC, "hu", 0 },
	/* Subject */
	{ "Subject", FF_SUBJECT, "en", 0 }, { "Betreff", FF_SUBJECT, "de", 0 },
	{ "Objet", FF_SUBJECT, "fr", 0 }, { "Sujet", FF_SUBJECT, "fr", 0 },
	{ "Asunto", FF_SUBJECT, "es", 0 }, { "Assunto", FF_SUBJECT, "pt", 1 },
	{ "Oggetto", FF_SUBJECT, "it", 0 }, { "Onderwerp", FF_SUBJECT, "nl", 0 },
	{ "Emne", FF_SUBJECT, NULL, 0 }, { "Ämne", FF_SUBJECT, "sv", 0 },
	{ "Aihe", FF_SUBJECT, "fi", 0 }, { "Temat", FF_SUBJECT, "pl", 0 },
	{ "Předmět", FF_SUBJECT, "cs", 0 }, { "Predmet", FF_SUBJECT, NULL, 0 },
	{ "Tárgy", FF_SUBJECT, "hu", 0 }, { "Тема", FF_SUBJECT, NULL, 0 },
	{ "Konu", FF_SUBJECT, "tr", 0 }, { "件名", FF_SUBJECT, "ja", 0 },
	{ "Naslov", FF_SUBJECT, "hr", 0 }, { "Subiect", FF_SUBJECT, "ro", 0 },
	{ "Subiectul", FF_SUBJECT, "ro", 0 }, { "Teema", FF_SUBJECT, "et", 0 },
	{ "Pealkiri", FF_SUBJECT, "et", 0 }, { "Tema", FF_SUBJECT, NULL, 0 },
	{ "Ärende", FF_SUBJECT, "sv", 0 },
	{ "主题", FF_SUBJECT, "zh", 0 }, { "主旨", FF_SUBJECT, "zh", 0 },
	{ "제목", FF_SUBJECT, "ko", 0 },
	/* Date, Sent */
	{ "Date", FF_DATE, NULL, 0 }, { "Datum", FF_DATE, NULL, 0 },
	{ "Dato", FF_DATE, NULL, 0 }, { "Fecha", FF_DATE, "es", 0 },
	{ "Data", FF_DATE, NULL, 0 }, { "Päivämäärä", FF_DATE, "fi", 0 },
	{ "Päiväys", FF_DATE, "fi", 0 }, { "Dátum", FF_DATE, NULL, 0 },
	{ "Дата", FF_DATE, NULL, 0 }, { "Tarih", FF_DATE, "tr", 0 },
	{ "日付", FF_DATE, "ja", 0 }, { "送信日時", FF_DATE, "ja", 0 },
	{ "Dată", FF_DATE, "ro", 0 }, { "Data trimiterii", FF_DATE, "ro", 0 },
	{ "Sent", FF_DATE, "en", 0 }, { "Gesendet", FF_DATE, "de", 0 },
	{ "Envoyé", FF_DATE, "fr", 0 }, { "Enviado", FF_DATE, NULL, 0 },
	{ "Enviada em", FF_DATE, "pt", 0 }, { "Enviada", FF_DATE, "pt", 0 },
	{ "Enviado el", FF_DATE, "es", 0 }, { "Inviato", FF_DATE, "it", 0 },
	{ "Verzonden", FF_DATE, "nl", 0 }, { "Sendt", FF_DATE, NULL, 0 },
	{ "Skickat", FF_DATE, "sv", 0 }, { "Lähetetty", FF_DATE, "fi", 0 },
	{ "Wysłano", FF_DATE, "pl", 0 }, { "Elküldve", FF_DATE, "hu", 0 },
	{ "Küldve", FF_DATE, "hu", 0 }, { "Отправлено", FF_DATE, "ru", 0 },
	{ "Відправлено", FF_DATE, "uk", 0 }, { "Надіслано", FF_DATE, "uk", 0 },
	{ "Gönderilen", FF_DATE, "tr", 0 }, { "Gönderildi", FF_DATE, "tr", 0 },
	{ "Odoslané", FF_DATE, "sk", 0 }, { "Odesláno", FF_DATE, "cs", 0 },
	{ "Trimis", FF_DATE, "ro", 0 }, { "Poslano", FF_DATE, "hr", 0 },
	{ "Kuupäev", FF_DATE, "et", 0 }, { "Saadetud", FF_DATE, "et", 0 },
	{ "日時", FF_DATE, "ja", 0 }, { "送信日", FF_DATE, "ja", 0 },
	{ "日期", FF_DATE, "zh", 0 }, { "发送时间", FF_DATE, "zh", 0 },
	{ "時間", FF_DATE, "zh", 0 }, { "날짜", FF_DATE, "ko", 0 },
	{ "보낸 날짜", FF_DATE, "ko", 0 },
	/* Reply-To */
	{ "Reply-To", FF_REPLYTO, NULL, 0 }, { "Antwort an", FF_REPLYTO, "de", 0 },
	{ "Répondre à", FF_REPLYTO, "fr", 0 }, { "Responder a", FF_REPLYTO, NULL, 0 },
	{ "Rispondi a", FF_REPLYTO, "it", 0 }, { "Svar til", FF_REPLYTO, NULL, 0 },
	{ "Antwoord aan", FF_REPLYTO, "nl", 0 }, { "Odpowiedź do", FF_REPLYTO, "pl", 0 },
	/* lines Outlook and others add to the block; skipped */
	{ "Importance", FF_OTHER, NULL, 0 }, { "Priority", FF_OTHER, "en", 0 },
	{ "Attachments", FF_OTHER, "en", 0 }, { "Attachment", FF_OTHER, "en", 0 },
	{ "Wichtigkeit", FF_OTHER, "de", 0 }, { "Priorität", FF_OTHER, "de", 0 },
	{ "Anlagen", FF_OTHER, "de", 0 }, { "Anhang", FF_OTHER, "de", 0 },
	{ "Priorité", FF_OTHER, "fr", 0 }, { "Pièces jointes", FF_OTHER, "fr", 0 },
	{ "Importancia", FF_OTHER, "es", 0 }, { "Datos adjuntos", FF_OTHER, "es", 0 },
	{ "Priorità", FF_OTHER, "it", 0 }, { "Allegati", FF_OTHER, "it", 0 },
	{ "Urgentie", FF_OTHER, "nl", 0 }, { "Bijlagen", FF_OTHER, "nl", 0 },
	{ "Prioridade", FF_OTHER, "pt", 0 }, { "Anexos", FF_OTHER, NULL, 0 },
	{ "Priorytet", FF_OTHER, "pl", 0 }, { "Załączniki", FF_OTHER, "pl", 0 },
	{ "Důležitost", FF_OTHER, "cs", 0 }, { "Přílohy", FF_OTHER, "cs", 0 },
	{ "Важность", FF_OTHER, "ru", 0 }, { "Вложения", FF_OTHER, "ru", 0 },
	{ "Message-ID", FF_OTHER, NULL, 0 }, { "Mailed-by", FF_OTHER, "en", 0 },
	{ "Signed-by", FF_OTHER, "en", 0 }, { "Organization", FF_OTHER, "en", 0 },
};
/* clang-format on */

#define N_LABELS (sizeof(labels) / sizeof(labels[0]))

enum fwd_field
fwd_label_lookup(const char *s, size_t n, const char **lang_r)
{
	*lang_r = NULL;
	if (n == 0)
		return FF_NONE;
	for (size_t i = 0; i < N_LABELS; i++) {
		if (fwd_first_may_match(labels[i].text, s[0]) &&
		    fwd_eq_fold(s, n, labels[i].text)) {
			*lang_r = labels[i].lang;
			return labels[i].field;
		}
	}
	return FF_NONE;
}

size_t
fwd_label_inline(const char *s, size_t n, enum fwd_field *field_r, const char **lang_r)
{
	const struct label *best = NULL;
	size_t best_len = 0, best_total = 0;

	/* A label starts with a capital letter (or a non-Latin script):
	 * "Da:" must not be read as "a:" (Italian To). */
	if (n == 0 || ((unsigned char)s[0] < 0x80 && !(s[0] >= 'A' && s[0] <= 'Z')))
		return 0;
	for (size_t i = 0; i < N_LABELS; i++) {
		size_t k, j, sp;

		if (!fwd_first_may_match(labels[i].text, s[0]))
			continue;
		k = fwd_prefix_fold(s, n, labels[i].text);
		if (k == 0 || k <= best_len)
			continue;
		j = k;
		while (j < n && fwd_is_space_at(s + j, n - j, &sp) && s[j] != '\n')
			j += sp;
		if (j < n && s[j] == ':') {
			j++;
		} else if (j + 3 <= n && memcmp(s + j, "\xEF\xBC\x9A", 3) == 0) {
			j += 3;
		} else if (labels[i].nocolon && j > k && j < n) {
			/* "Dw Walter ...", "Assunto Integer ..." */
		} else {
			continue;
		}
		best = &labels[i];
		best_len = k;
		best_total = j;
	}
	if (best == NULL)
		return 0;
	*field_r = best->field;
	*lang_r = best->lang;
	return best_total;
}

/* ----------------------------------------------------------------------
 * Separator phrases: "---------- Forwarded message ---------",
 * "Begin forwarded message:", "-------- Weitergeleitete Nachricht --------"
 * and the "Original Message" forms, in the supported languages.
 */
/* clang-format off */
static const char *const separators[] = {
	/* en */
	"Forwarded message", "Begin forwarded message", "Original Message",
	"Forwarded e-mail", "Forwarded email", "Fwd.Msg", "Message forwarded",
	/* cs */
	"Přeposlaná zpráva", "Začátek přeposílané zprávy", "Původní zpráva",
	"Přeposílaná zpráva",
	/* da */
	"Videresendt meddelelse", "Start på videresendt besked",
	"Videresendt besked", "Oprindelig meddelelse",
	/* de */
	"Weitergeleitete Nachricht", "Anfang der weitergeleiteten Nachricht",
	"Ursprüngliche Nachricht", "Originalnachricht",
	/* es */
	"Mensaje reenviado", "Inicio del mensaje reenviado", "Mensaje original",
	/* et */
	"Edastatud kiri", "Edastatud sõnum", "Algne kiri", "Algne sõnum",
	/* fi */
	"Välitetty viesti alkaa", "Välitetty viesti", "Edelleenlähetetty viesti", "Alkuperäinen viesti",
	/* fr */
	"Message transféré", "Début du message réexpédié",
	"Début du message transféré", "Message transmis", "Message d'origine",
	"Message d’origine", "Message original",
	/* hr */
	"Proslijeđena poruka", "Započni proslijeđenu poruku", "Izvorna poruka",
	"Prosljeđena poruka",
	/* hu */
	"Továbbított üzenet", "Továbbított levél kezdete", "Továbbított levél",
	"Eredeti üzenet",
	/* it */
	"Messaggio inoltrato", "Inizio messaggio inoltrato", "Messaggio originale",
	/* ja */
	"メッセージを転送", "転送されたメッセージ", "転送メッセージ", "元のメッセージ",
	/* nl */
	"Doorgestuurd bericht", "Begin doorgestuurd bericht",
	"Oorspronkelijk bericht", "Origineel bericht",
	/* no */
	"Videresendt melding", "Opprinnelig melding", "Videresendt e-post",
	/* pl */
	"Przekazana wiadomość", "Początek przekazywanej wiadomości",
	"Treść przekazanej wiadomości", "Wiadomość przesłana dalej",
	"Oryginalna wiadomość", "Wiadomość oryginalna",
	/* pt, pt_br */
	"Mensagem reencaminhada", "Início da mensagem reencaminhada",
	"Mensagem encaminhada", "Início da mensagem encaminhada",
	"Mensagem original",
	/* ro */
	"Mesaj redirecționat", "Începe mesajul redirecționat", "Mesaj original",
	"Mesajul original", "Mesaj transmis",
	/* ru */
	"Пересылаемое сообщение", "Начало переадресованного сообщения",
	"Перенаправленное сообщение", "Пересланное сообщение",
	"Исходное сообщение",
	/* sk */
	"Preposlaná správa", "Začiatok preposlanej správy", "Pôvodná správa",
	/* sv */
	"Vidarebefordrat mejl", "Vidarebefordrat meddelande",
	"Ursprungligt meddelande",
	/* tr */
	"İleti başlangıcı", "İletilen İleti", "İletilmiş Mesaj", "Orijinal mesaj",
	"İletilen mesaj",
	/* uk */
	"Початок листа, що пересилається", "Переслане повідомлення",
	"Перенаправлене повідомлення", "Пересланий лист",
	"Оригінальне повідомлення",
	/* zh (QQ Mail, Foxmail, NetEase), ko */
	"原始邮件", "原始郵件", "转发邮件", "轉寄郵件", "원본 메일", "전달된 메일",
};
/* clang-format on */

int
fwd_separator_phrase(const char *s, size_t n, int exact)
{
	fwd_trim(&s, &n);
	if (n == 0)
		return 0;
	for (size_t i = 0; i < sizeof(separators) / sizeof(separators[0]); i++) {
		size_t k;

		if (!fwd_first_may_match(separators[i], s[0]))
			continue;
		k = fwd_prefix_fold(s, n, separators[i]);
		if (k == 0)
			continue;
		if (k == n)
			return 1;
		/* "Välitetty viesti / Fwd.Msg": more words after a non-letter */
		if (!exact && (s[k] == ' ' || s[k] == '/' || s[k] == '(' || s[k] == ':'))
			return 1;
	}
	return 0;
}

/* ----------------------------------------------------------------------
 * "On <date>, <name> <addr> wrote:" in the supported languages.
 */
/* clang-format off */
static const char *const wrote_verbs[] = {
	"wrote", "a écrit", "schrieb", "escribió", "skrev", "napsal",
	"kirjoitti", "írta", "ha scritto", "geschreven", "schreef", "napisał",
	"napisala", "napisao", "escreveu", "написал", "написала", "написав",
	"написала", "napísal", "yazdı", "kirjutas", "a scris", "følgende",
	"följande", "が書きました", "pisze", "napisa", "đã viết", "写道",
	"寫道", "님이 작성", "작성:",
};
/* clang-format on */

int
fwd_has_wrote_verb(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		/* verbs start a word */
		if (i > 0 && s[i - 1] != ' ' && s[i - 1] != '\t' && s[i - 1] != ',' &&
		    (unsigned char)s[i] < 0x80)
			continue;
		for (size_t v = 0; v < sizeof(wrote_verbs) / sizeof(wrote_verbs[0]); v++) {
			if (fwd_first_may_match(wrote_verbs[v], s[i]) &&
			    fwd_prefix_fold(s + i, n - i, wrote_verbs[v]) != 0)
				return 1;
		}
	}
	return 0;
}

/* ----------------------------------------------------------------------
 * Subject prefixes.  Forward prefixes as Outlook, Gmail and others write
 * them; reply prefixes only to step over them.  Note VS is a forward in
 * Danish and Norwegian Outlook (and a reply in Finnish, which forwards
 * with VL).
 */
static const char *const fwd_prefixes[] = {
	"Fw",	      "Fwd",	 "Fwd.", "TR",	   "WG",	"VS",	      "VB",
	"VL",	      "RV",	 "I",	 "PD",	   "ENC",	"Redir.",     "Redir",
	"Videresend", "İLT",	 "ILT",	 "Doorst", "Tov",	"Továbbítás", "Přepos",
	"Pers",	      "Przekaz", "ПЕР",	 "Пересл", "Переслано", "転送",	      "Wtr",
	"Trs",	      "Rif",	 "转发", "轉寄",   "전달",
};
static const char *const re_prefixes[] = {
	"Re", "AW",  "SV",   "Antw", "Odp",  "YNT", "Ynt",  "RES",  "R",    "Ref",
	"Vá", "Отв", "Відп", "ВС",   "返信", "Atb", "Vast", "回复", "回覆", "답장",
};

/* Length of "<prefix>:" at s (a prefix from `set`), or 0. */
static size_t
prefix_at(const char *s, const char *const *set, size_t nset)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < nset; i++) {
		size_t k = fwd_prefix_fold(s, n, set[i]), sp;

		if (k == 0)
			continue;
		while (k < n && fwd_is_space_at(s + k, n - k, &sp))
			k += sp;
		if (k < n && s[k] == ':')
			return k + 1;
		if (k + 3 <= n && memcmp(s + k, "\xEF\xBC\x9A", 3) == 0)
			return k + 3;
	}
	return 0;
}

enum fwd_subject_kind
fwd_subject_kind(const char *subject)
{
	const char *s = subject;

	if (subject == NULL)
		return FWD_SUBJ_NONE;
	for (int round = 0; round < 8; round++) {
		size_t sp, k;

		while (fwd_is_space_at(s, strlen(s), &sp))
			s += sp;
		if (prefix_at(s, fwd_prefixes, sizeof(fwd_prefixes) / sizeof(fwd_prefixes[0])))
			return FWD_SUBJ_FORWARD;
		k = prefix_at(s, re_prefixes, sizeof(re_prefixes) / sizeof(re_prefixes[0]));
		if (k == 0 && s[0] == '[') {
			const char *e = strchr(s, ']');
			if (e != NULL && e - s <= 32)
				k = (size_t)(e + 1 - s);
		}
		if (k == 0)
			break;
		s += k;
	}
	return FWD_SUBJ_OTHER;
}

const char *
fwd_subject_strip(const char *subject)
{
	const char *s = subject;

	for (int round = 0; round < 8; round++) {
		size_t sp, k;

		while (fwd_is_space_at(s, strlen(s), &sp))
			s += sp;
		k = prefix_at(s, fwd_prefixes, sizeof(fwd_prefixes) / sizeof(fwd_prefixes[0]));
		if (k == 0)
			k = prefix_at(s, re_prefixes, sizeof(re_prefixes) / sizeof(re_prefixes[0]));
		if (k == 0)
			break;
		s += k;
	}
	return s;
}
