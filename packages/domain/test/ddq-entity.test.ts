import { describe, expect, it } from "vitest";
import {
  applyEntityUpdate,
  checkEntityInput,
  entityDisplayName,
  isIsoCountryCode,
  isoCountryCodes,
  isValidEmail,
  isValidPhone,
  parseEntityInput,
  ValidationError,
} from "../src/index.ts";

describe("entity rules", () => {
  it("knows the 249 ISO 3166-1 alpha-2 codes", () => {
    expect(isoCountryCodes).toHaveLength(249);
    expect(new Set(isoCountryCodes).size).toBe(249);
    for (const code of ["GB", "US", "DE", "AX", "SS", "ZW"]) expect(isIsoCountryCode(code)).toBe(true);
    for (const code of ["UK", "XK", "XX", "gb", "GBR", "", 44]) expect(isIsoCountryCode(code)).toBe(false);
  });

  it.each([
    ["ops@acme.example", true],
    ["first.last+tag@sub.domain.co", true],
    ["no-at-sign", false],
    ["two@@at.co", false],
    ["space in@acme.co", false],
    ["dot@nodot", false],
    [`${"a".repeat(250)}@x.co`, false],
  ])("email %s is valid: %s", (email, valid) => {
    expect(isValidEmail(email)).toBe(valid);
  });

  it.each([
    ["+44 20 7946 0958", true],
    ["(020) 7946-0958", true],
    ["+1.415.555.0100", true],
    ["123456", false],
    ["+0 20 7946 0958", false],
    ["call me", false],
    ["1234567890123456", false],
  ])("phone %s is valid: %s", (phone, valid) => {
    expect(isValidPhone(phone)).toBe(valid);
  });

  it("normalizes: trims, blanks are absent, jurisdiction upper-cased, company by default", () => {
    expect(parseEntityInput({ legalName: "  Acme  ", tradingName: " ", jurisdiction: "de" })).toEqual({
      entityType: "company",
      legalName: "Acme",
      tradingName: null,
      firstName: null,
      lastName: null,
      email: null,
      phone: null,
      jurisdiction: "DE",
    });
  });

  it("requires the names of each type and refuses the other type's fields, at a path prefix", () => {
    const company = checkEntityInput({ firstName: "A", lastName: "B" }, ["entity"]);
    expect(company).toEqual({
      ok: false,
      issues: [
        { path: ["entity", "legalName"], message: "is required for a company" },
        { path: ["entity", "firstName"], message: "is only for individuals" },
        { path: ["entity", "lastName"], message: "is only for individuals" },
      ],
    });
    const person = checkEntityInput({ entityType: "individual", legalName: "X", tradingName: "Y" });
    expect(person.ok ? [] : person.issues.map((i) => i.path.join("."))).toEqual([
      "firstName",
      "lastName",
      "legalName",
      "tradingName",
    ]);
    expect(checkEntityInput({ entityType: "trust", legalName: "X" })).toEqual({
      ok: false,
      issues: [{ path: ["entityType"], message: "must be company or individual" }],
    });
    expect(() => parseEntityInput({ legalName: "x".repeat(201) })).toThrow(ValidationError);
  });

  it("applies updates: absent stays, null clears, required names stay required", () => {
    const current = parseEntityInput({ legalName: "Acme", email: "a@acme.co", jurisdiction: "GB" });
    expect(applyEntityUpdate(current, { email: null, tradingName: "ACME" })).toMatchObject({
      legalName: "Acme",
      email: null,
      tradingName: "ACME",
      jurisdiction: "GB",
    });
    expect(() => applyEntityUpdate(current, { legalName: null })).toThrow(ValidationError);
    try {
      applyEntityUpdate(current, { legalName: " ", jurisdiction: "ZZ" });
    } catch (error) {
      expect((error as ValidationError).issues.map((i) => i.path[0])).toEqual(["legalName", "jurisdiction"]);
    }
  });

  it("names a company by its legal name and a person by first and last name", () => {
    expect(
      entityDisplayName({ entityType: "company", legalName: "Acme", firstName: null, lastName: null }),
    ).toBe("Acme");
    expect(
      entityDisplayName({ entityType: "individual", legalName: null, firstName: "Jane", lastName: "Smith" }),
    ).toBe("Jane Smith");
  });
});
