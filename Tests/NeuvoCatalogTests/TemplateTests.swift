import Testing

@testable import NeuvoCatalog

@Suite("((placeholder)) templates")
struct TemplateTests {
    @Test func rendersPlaceholdersAndConditionals() throws {
        let template = try Template(parsing: "Hei ((name))! ((unit??Paikka: ((unit)).))Kiitos.")
        #expect(template.placeholders == ["name", "unit"])
        #expect(template.requiredPlaceholders == ["name"])
        #expect(
            try template.render(["name": "Maija", "unit": "Kallion ala-aste"])
                == "Hei Maija! Paikka: Kallion ala-aste.Kiitos.")
        #expect(try template.render(["name": "Maija"]) == "Hei Maija! Kiitos.")
        #expect(try template.render(["name": "Maija", "unit": ""]) == "Hei Maija! Kiitos.")
    }

    /// Found by FuzzTemplates: a conditional named after a required placeholder is always shown, so the
    /// placeholders in its text are required too (to any depth).
    @Test func aConditionalOnARequiredNameMakesItsTextRequired() throws {
        let template = try Template(
            parsing: "((note)) ((note?? Obs: ((extra))((extra?? ((deep)).)).))((other?? ((hidden))))")
        #expect(template.requiredPlaceholders == ["note", "extra", "deep"])
        let values = Dictionary(uniqueKeysWithValues: template.requiredPlaceholders.map { ($0, "x") })
        #expect(try template.render(values) == "x  Obs: x x..")
        #expect(throws: Template.RenderError.missingValue("deep")) {
            try template.render(["note": "x", "extra": "x"])
        }
    }

    @Test func refusesAMissingValue() throws {
        let template = try Template(parsing: "Paikka ((unit)) alkaen ((date))")
        #expect(throws: Template.RenderError.missingValue("date")) { try template.render(["unit": "X"]) }
    }

    @Test func escapesValuesButNotTheTemplate() throws {
        let template = try Template(parsing: "<p>((name))</p>")
        let html = try template.render(["name": "<script>&"]) {
            $0.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        }
        #expect(html == "<p>&lt;script>&amp;</p>")
    }

    @Test func escapesStaffTextWhenAskedForHTML() throws {
        let template = try Template(parsing: "Terveys & hyvinvointi <((name))> ((x??& ((x))))")
        let escape: (String) -> String = {
            $0.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;")
        }
        #expect(
            try template.render(["name": "<b>", "x": "1"], escape: escape, escapeText: true)
                == "Terveys &amp; hyvinvointi &lt;&lt;b&gt;&gt; &amp; 1")
        #expect(try template.render(["name": "<b>", "x": ""], escape: escape) == "Terveys & hyvinvointi <&lt;b&gt;> ")
    }

    @Test(arguments: ["((name", "a (()) b", "((Name With Space))", "((1abc))", "((ä))"])
    func rejectsMalformedTemplates(text: String) {
        #expect(throws: Template.ParseError.self) { try Template(parsing: text) }
    }

    @Test func singleParenthesesAreText() throws {
        let template = try Template(parsing: "Puhelin (09) 310 1234 ((x))")
        #expect(try template.render(["x": "ok"]) == "Puhelin (09) 310 1234 ok")
    }
}
