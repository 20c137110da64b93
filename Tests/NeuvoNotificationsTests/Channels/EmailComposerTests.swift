import Foundation
import Testing

@testable import NeuvoNotifications

@Suite struct EmailComposerTests {
    static let composer = EmailComposer(
        fromAddress: "noreply@hel.fi", fromName: "Helsingin kaupunki – Helsingfors stad", messageIDDomain: "hel.fi")
    static let date = Date(timeIntervalSince1970: 1_722_502_800)
    static let message = OutgoingMessage(
        noticeID: "notice-42", idempotencyKey: "k", recipient: "resident@example.fi",
        subject: "Esiopetuspaikka on varattu lapsellenne – förskoleplats är reserverad för ert barn",
        textBody: "Hei!\nLapsellenne on varattu esiopetuspaikka päiväkoti Ämmässä.\n.\nTervetuloa   ",
        htmlBody: "<p>Hei!</p>\n<p>P&auml;iv&auml;koti \u{C4}mm\u{E4}</p>", locale: "fi")

    @Test func dateIsRFC5322InUTC() {
        #expect(EmailComposer.rfc5322Date(Self.date) == "Thu, 01 Aug 2024 09:00:00 +0000")
        #expect(EmailComposer.rfc5322Date(Date(timeIntervalSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 +0000")
    }

    @Test func messageIDIsDerivedFromTheNotice() {
        #expect(Self.composer.messageID(for: "notice-42") == "<notice-42@hel.fi>")
        let hashed = Self.composer.messageID(for: "weird id\r\n<x>")
        #expect(hashed.hasPrefix("<h") && hashed.hasSuffix("@hel.fi>") && hashed.count == "<h@hel.fi>".count + 32)
        #expect(hashed == Self.composer.messageID(for: "weird id\r\n<x>"))
    }

    @Test func encodedWordsAreShortAndHoldWholeCharacters() throws {
        let words = EmailComposer.encodedWords(Self.message.subject! + " 😀😀😀")
        #expect(words.count > 1)
        var decoded = ""
        for word in words {
            #expect(word.count <= 75)  // RFC 2047 §2
            #expect(word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?="))
            let payload = try #require(Data(base64Encoded: String(word.dropFirst(10).dropLast(2))))
            decoded += try #require(String(bytes: payload, encoding: .utf8))
        }
        #expect(decoded == Self.message.subject! + " 😀😀😀")
        #expect(EmailComposer.encodedHeader(name: "Subject", value: "Plain ASCII") == "Subject: Plain ASCII")
    }

    @Test func quotedPrintableKeepsLinesShortAndEndsInCRLF() {
        let text = String(repeating: "ä", count: 100) + " \n" + String(repeating: "x=", count: 60) + "\t"
        let encoded = EmailComposer.quotedPrintable(text)
        let lines = encoded.components(separatedBy: "\r\n")
        #expect(lines.allSatisfy { $0.count <= 76 })  // RFC 2045 §6.7 rule 5
        #expect(!encoded.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(lines.contains { $0.hasSuffix("=20") })  // rule 3: trailing space is encoded
        #expect(encoded.hasSuffix("=09"))
        #expect(!encoded.contains("=_"))  // what makes the MIME boundary safe
    }

    @Test func messageHasCRLFOnlyAndTheRequiredHeaders() throws {
        let bytes = try Self.composer.compose(Self.message, date: Self.date)
        for (index, byte) in bytes.enumerated() where byte == 0x0A {
            #expect(index > 0 && bytes[index - 1] == 0x0D)
        }
        #expect(bytes.allSatisfy { $0 < 0x80 })  // 7bit on the wire: works without 8BITMIME
        let text = String(decoding: bytes, as: UTF8.self)
        for header in [
            "Date: Thu, 01 Aug 2024 09:00:00 +0000\r\n", "To: resident@example.fi\r\n",
            "Message-ID: <notice-42@hel.fi>\r\n",
            "MIME-Version: 1.0\r\n", "Content-Type: multipart/alternative; boundary=", "Content-Language: fi\r\n",
            "From: =?UTF-8?B?",
        ] {
            #expect(text.contains(header), "\(header)")
        }
        #expect(try Self.composer.compose(Self.message, date: Self.date) == bytes)  // deterministic for retries
    }

    @Test func headerInjectionIsRefused() {
        var message = Self.message
        message.subject = "Hei\r\nBcc: everyone@example.fi"
        #expect(throws: HeaderValueError.self) { try Self.composer.compose(message, date: Self.date) }
        message.subject = "ok"
        message.locale = "fi\r\nX-Evil: 1"
        #expect(throws: HeaderValueError.self) { try Self.composer.compose(message, date: Self.date) }
        var composer = Self.composer
        composer.fromName = "City\nBcc: x@y.fi"
        #expect(throws: HeaderValueError.self) { try composer.compose(Self.message, date: Self.date) }
    }
}
