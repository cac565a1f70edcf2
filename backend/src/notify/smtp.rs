//! A small plain-SMTP client that stops a mail transaction just short of its end, so the
//! outbox can commit a row as sent *before* the server can accept the message ("commit before
//! the dot").
//!
//! lettre's transports (and its `AsyncSmtpConnection`, whose raw write is private) send the
//! message data and the terminating `<CRLF>.<CRLF>` as one step. Here [`Session::prepare`]
//! sends MAIL, RCPT, DATA and the dot-stuffed message, [`Session::finish`] the terminating dot
//! alone: a sender killed between the two leaves the server with an unfinished DATA, which it
//! discards. Only `smtp://` URLs without TLS or credentials (the loopback / local relay case)
//! take this path; see [`PlainSmtp::from_url`].

use std::time::Duration as StdDuration;

use lettre::address::Envelope;
use lettre::transport::smtp::commands::{Data, Ehlo, Mail, Quit, Rcpt, Rset};
use lettre::transport::smtp::extension::{ClientId, MailBodyParameter, MailParameter};
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpStream;

/// The default port of `smtp://` URLs (as lettre's).
const SMTP_PORT: u16 = 25;
/// One SMTP reply may be this long (Postfix's `smtp_response_limit`, as lettre's).
const MAX_REPLY_BYTES: usize = 100_000;
/// The end of the message data.
const END_OF_DATA: &[u8] = b"\r\n.\r\n";

/// Where a plain SMTP server is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlainSmtp {
    host: String,
    port: u16,
    /// The EHLO name: the URL's path, as lettre takes it, else `localhost`.
    hello: String,
    timeout: StdDuration,
}

/// A failed SMTP step: the server's reply (`code`) or a network failure (`code` is `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpError {
    pub code: Option<u16>,
    pub text: String,
}

impl SmtpError {
    fn network(what: &str, error: impl std::fmt::Display) -> Self {
        Self {
            code: None,
            text: format!("SMTP {what}: {error}"),
        }
    }

    /// A 5xx reply: the server will never take this message.
    pub fn is_permanent(&self) -> bool {
        self.code.is_some_and(|code| (500..600).contains(&code))
    }
}

impl std::fmt::Display for SmtpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// A positive reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub code: u16,
    pub lines: Vec<String>,
}

impl PlainSmtp {
    /// The plain server of an `SMTP_URL`, or `None` when the URL is for lettre's transport:
    /// `smtps://`, a `tls` parameter (STARTTLS), credentials, or not a URL at all.
    pub fn from_url(url: &str, timeout: StdDuration) -> Option<Self> {
        let parsed = reqwest::Url::parse(url).ok()?;
        let plain = parsed.scheme() == "smtp"
            && !parsed.query_pairs().any(|(key, _)| key == "tls")
            && parsed.username().is_empty()
            && parsed.password().is_none();
        if !plain {
            return None;
        }
        let host = parsed
            .host_str()?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let path = parsed.path().trim_matches('/');
        Some(Self {
            host,
            port: parsed.port().unwrap_or(SMTP_PORT),
            hello: if path.is_empty() {
                "localhost".to_owned()
            } else {
                path.to_owned()
            },
            timeout,
        })
    }

    /// Connects, reads the greeting and says EHLO.
    pub async fn connect(&self) -> Result<Session, SmtpError> {
        let stream = tokio::time::timeout(
            self.timeout,
            TcpStream::connect((self.host.as_str(), self.port)),
        )
        .await
        .map_err(|_| SmtpError::network("connection", "timed out"))?
        .map_err(|error| {
            SmtpError::network(&format!("connection to {}:{}", self.host, self.port), error)
        })?;
        // Each command waits for its reply: no point in Nagle's delay.
        let _ = stream.set_nodelay(true);
        let mut session = Session {
            stream: BufReader::new(stream),
            timeout: self.timeout,
            eight_bit_mime: false,
            smtp_utf8: false,
            needs_reset: false,
        };
        session.expect(220, "greeting").await?;
        let ehlo = Ehlo::new(ClientId::Domain(self.hello.clone())).to_string();
        let reply = session.command(&ehlo, 250, "EHLO").await?;
        let keywords: Vec<String> = reply
            .lines
            .iter()
            .skip(1)
            .filter_map(|line| line.split_whitespace().next())
            .map(str::to_ascii_uppercase)
            .collect();
        session.eight_bit_mime = keywords.iter().any(|k| k == "8BITMIME");
        session.smtp_utf8 = keywords.iter().any(|k| k == "SMTPUTF8");
        Ok(session)
    }
}

/// One connection to a plain SMTP server, reused for one message after another.
pub struct Session {
    stream: BufReader<TcpStream>,
    timeout: StdDuration,
    eight_bit_mime: bool,
    smtp_utf8: bool,
    /// A transaction was left unfinished (refused recipient, …): RSET before the next.
    needs_reset: bool,
}

impl Session {
    /// Sends everything of one message but the terminating `<CRLF>.<CRLF>`: MAIL FROM, RCPT
    /// TO for each recipient, DATA (expecting 354) and the dot-stuffed message. On an error the
    /// transaction is unfinished and the server has taken nothing; the session is still usable
    /// when the error has a reply code.
    pub async fn prepare(&mut self, envelope: &Envelope, message: &[u8]) -> Result<(), SmtpError> {
        if self.needs_reset {
            self.command(&Rset.to_string(), 250, "RSET").await?;
        }
        self.needs_reset = true;
        let mut parameters = Vec::new();
        let non_ascii = envelope
            .from()
            .into_iter()
            .chain(envelope.to())
            .any(|address| !AsRef::<str>::as_ref(address).is_ascii());
        if non_ascii {
            if !self.smtp_utf8 {
                return Err(SmtpError {
                    code: Some(553),
                    text: "SMTP: a non-ASCII address, and the server has no SMTPUTF8".to_owned(),
                });
            }
            parameters.push(MailParameter::SmtpUtfEight);
        }
        if !message.is_ascii() {
            if !self.eight_bit_mime {
                return Err(SmtpError {
                    code: Some(554),
                    text: "SMTP: an 8-bit message, and the server has no 8BITMIME".to_owned(),
                });
            }
            parameters.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        let mail = Mail::new(envelope.from().cloned(), parameters).to_string();
        self.command(&mail, 250, "MAIL FROM").await?;
        for to in envelope.to() {
            let rcpt = Rcpt::new(to.clone(), Vec::new()).to_string();
            self.command(&rcpt, 250, "RCPT TO").await?;
        }
        self.command(&Data.to_string(), 354, "DATA").await?;
        self.write(&dot_stuffed(message), "message").await
    }

    /// Ends the prepared message and reads the server's verdict: `Ok` when it took it, a
    /// reply code when it refused it, no code when the reply never came (then nobody knows
    /// whether it took it).
    pub async fn finish(&mut self) -> Result<Reply, SmtpError> {
        self.write(END_OF_DATA, "end of data").await?;
        let reply = self.reply("end of data").await;
        self.needs_reset = false;
        reply
    }

    /// Says goodbye (best effort).
    pub async fn quit(mut self) {
        let _ = self.command(&Quit.to_string(), 221, "QUIT").await;
    }

    async fn command(
        &mut self,
        command: &str,
        expected: u16,
        what: &str,
    ) -> Result<Reply, SmtpError> {
        self.write(command.as_bytes(), what).await?;
        self.expect(expected, what).await
    }

    async fn expect(&mut self, expected: u16, what: &str) -> Result<Reply, SmtpError> {
        let reply = self.reply(what).await?;
        if reply.code == expected {
            Ok(reply)
        } else {
            Err(SmtpError {
                code: Some(reply.code),
                text: format!(
                    "SMTP {what}: unexpected reply {} {}",
                    reply.code,
                    reply.lines.join(" / ")
                ),
            })
        }
    }

    async fn write(&mut self, bytes: &[u8], what: &str) -> Result<(), SmtpError> {
        let stream = self.stream.get_mut();
        tokio::time::timeout(self.timeout, async {
            stream.write_all(bytes).await?;
            stream.flush().await
        })
        .await
        .map_err(|_| SmtpError::network(what, "timed out"))?
        .map_err(|error| SmtpError::network(what, error))
    }

    /// Reads one (possibly multi-line) reply; a 4xx or 5xx is an error with its code.
    async fn reply(&mut self, what: &str) -> Result<Reply, SmtpError> {
        let timeout = self.timeout;
        let read = tokio::time::timeout(timeout, async {
            let mut lines = Vec::new();
            let mut total = 0;
            loop {
                let mut line = Vec::new();
                let read = (&mut self.stream)
                    .take(u64::try_from(MAX_REPLY_BYTES - total).unwrap_or(0) + 1)
                    .read_until(b'\n', &mut line)
                    .await
                    .map_err(|error| SmtpError::network(what, error))?;
                total += read;
                if read == 0 {
                    return Err(SmtpError::network(what, "the server closed the connection"));
                }
                if total > MAX_REPLY_BYTES {
                    return Err(SmtpError::network(what, "the reply is too long"));
                }
                let text = String::from_utf8_lossy(&line);
                let text = text.trim_end_matches(['\r', '\n']);
                let (code, last, rest) = parse_line(text).ok_or_else(|| {
                    SmtpError::network(what, format!("not an SMTP reply: {text:?}"))
                })?;
                lines.push(rest.to_owned());
                if last {
                    return Ok(Reply { code, lines });
                }
            }
        })
        .await
        .map_err(|_| SmtpError::network(what, "no reply (timed out)"))??;
        if (200..400).contains(&read.code) {
            Ok(read)
        } else {
            Err(SmtpError {
                code: Some(read.code),
                text: format!("SMTP {what}: {} {}", read.code, read.lines.join(" / ")),
            })
        }
    }
}

/// `250-text` (more lines follow) or `250 text` / `250` (the last line).
fn parse_line(line: &str) -> Option<(u16, bool, &str)> {
    let code = line.get(..3)?;
    if !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let code = code.parse().ok()?;
    match line.as_bytes().get(3) {
        None => Some((code, true, "")),
        Some(b' ') => Some((code, true, &line[4..])),
        Some(b'-') => Some((code, false, &line[4..])),
        Some(_) => None,
    }
}

/// The message with a dot doubled at the start of every line (RFC 5321 §4.5.2), as lettre's
/// own codec does it.
pub fn dot_stuffed(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + 16);
    let mut line_start = true;
    let mut after_cr = false;
    for &byte in message {
        if line_start && byte == b'.' {
            out.push(b'.');
        }
        out.push(byte);
        line_start = after_cr && byte == b'\n';
        after_cr = byte == b'\r';
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dots_at_line_starts_are_doubled() {
        assert_eq!(
            dot_stuffed(b".a\r\nb.\r\n..c\r\n."),
            b"..a\r\nb.\r\n...c\r\n.."
        );
        // A bare LF is no line end for SMTP.
        assert_eq!(dot_stuffed(b"a\n.b"), b"a\n.b");
    }

    #[test]
    fn reply_lines_parse() {
        assert_eq!(
            parse_line("250-PIPELINING"),
            Some((250, false, "PIPELINING"))
        );
        assert_eq!(parse_line("451 try later"), Some((451, true, "try later")));
        assert_eq!(parse_line("354"), Some((354, true, "")));
        assert_eq!(parse_line("hello"), None);
        assert_eq!(parse_line("250_x"), None);
    }

    #[test]
    fn only_plain_smtp_urls_without_credentials_take_the_split_path() {
        let timeout = StdDuration::from_secs(1);
        let plain = PlainSmtp::from_url("smtp://127.0.0.1:2525", timeout);
        assert_eq!(
            plain.map(|p| (p.host, p.port, p.hello)),
            Some(("127.0.0.1".to_owned(), 2525, "localhost".to_owned()))
        );
        let named = PlainSmtp::from_url("smtp://relay.internal/handoff.example", timeout);
        assert_eq!(
            named.map(|p| (p.port, p.hello)),
            Some((25, "handoff.example".to_owned()))
        );
        for lettre in [
            "smtps://mail.example:465",
            "smtp://mail.example:587?tls=required",
            "smtp://mail.example?tls=opportunistic",
            "smtp://user:secret@mail.example",
            "not a url",
        ] {
            assert_eq!(PlainSmtp::from_url(lettre, timeout), None, "{lettre}");
        }
    }
}
