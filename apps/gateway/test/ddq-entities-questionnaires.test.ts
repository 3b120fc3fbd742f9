import { provisionWorkspace } from "@flowgate/application";
import { testBackends } from "@flowgate/db/testing";
import { describe, expect } from "vitest";
import { CREATE_QUESTIONNAIRE, createKycQuestionnaire, kycQuestionnaire } from "./ddq-helpers.ts";
import { test } from "./harness-test.ts";

const CREATE_ENTITY = /* GraphQL */ `
  mutation (
    $entityType: EntityType
    $legalName: String
    $tradingName: String
    $firstName: String
    $lastName: String
    $email: String
    $phone: String
    $jurisdiction: String
  ) {
    createEntity(
      entityType: $entityType
      legalName: $legalName
      tradingName: $tradingName
      firstName: $firstName
      lastName: $lastName
      email: $email
      phone: $phone
      jurisdiction: $jurisdiction
    ) {
      __typename
      ... on Entity { id entityType displayName legalName tradingName firstName lastName email phone jurisdiction }
      ... on ValidationError { message issues { path message } }
    }
  }
`;

const UPDATE_ENTITY = /* GraphQL */ `
  mutation ($id: ID!, $legalName: String, $tradingName: String, $firstName: String, $email: String, $jurisdiction: String) {
    updateEntity(
      id: $id
      legalName: $legalName
      tradingName: $tradingName
      firstName: $firstName
      email: $email
      jurisdiction: $jurisdiction
    ) {
      __typename
      ... on Entity { id legalName tradingName email jurisdiction updatedAt }
      ... on ValidationError { issues { path message } }
      ... on NotFoundError { resource missingId: id }
    }
  }
`;

const QUESTIONNAIRE = /* GraphQL */ `
  query ($id: ID!) {
    questionnaire(id: $id) {
      id name description currentVersion
      sections {
        id title
        questions { id type label required options { value label } visibleIf { questionId operator value } entityField }
      }
      versions { version sections { id } }
    }
  }
`;

describe.each(testBackends())("entities and questionnaires (%s)", (backend) => {
  test.override({ backend });

  test("creates a company (the default type) and an individual with normalized fields", async ({
    harness: h,
  }) => {
    const key = h.acme.keys.sandbox;
    const company = await h.gql(key, CREATE_ENTITY, {
      legalName: "  Acme Trading Ltd ",
      tradingName: "Acme",
      email: "compliance@acme.example",
      phone: "+44 20 7946 0958",
      jurisdiction: "gb",
    });
    expect(company.data.createEntity).toMatchObject({
      __typename: "Entity",
      entityType: "company",
      displayName: "Acme Trading Ltd",
      legalName: "Acme Trading Ltd",
      tradingName: "Acme",
      jurisdiction: "GB",
      firstName: null,
    });
    expect(company.data.createEntity.id).toMatch(/^ent_/);
    const person = await h.gql(key, CREATE_ENTITY, {
      entityType: "individual",
      firstName: "Jane",
      lastName: "Smith",
      jurisdiction: "US",
    });
    expect(person.data.createEntity).toMatchObject({ entityType: "individual", displayName: "Jane Smith" });
  });

  test("names every invalid field of an entity", async ({ harness: h }) => {
    const key = h.acme.keys.sandbox;
    const company = await h.gql(key, CREATE_ENTITY, {
      firstName: "Jane",
      email: "not-an-email",
      phone: "call me",
      jurisdiction: "XX",
    });
    expect(company.data.createEntity.__typename).toBe("ValidationError");
    expect(company.data.createEntity.issues.map((i: { path: string[] }) => i.path.join("."))).toEqual([
      "legalName",
      "firstName",
      "email",
      "phone",
      "jurisdiction",
    ]);
    expect(company.data.createEntity.issues[0].message).toBe("is required for a company");
    const person = await h.gql(key, CREATE_ENTITY, {
      entityType: "individual",
      lastName: "Smith",
      tradingName: "JS",
    });
    expect(person.data.createEntity.issues).toEqual([
      { path: ["firstName"], message: "is required for an individual" },
      { path: ["tradingName"], message: "is only for companies" },
    ]);
    const empty = await h.gql(key, "{ entities { edges { node { id } } } }");
    expect(empty.data.entities.edges).toHaveLength(2);
  });

  test("updates an entity: absent fields stay, null clears, required names cannot be cleared", async ({
    harness: h,
  }) => {
    const key = h.acme.keys.sandbox;
    const created = await h.gql(key, CREATE_ENTITY, {
      legalName: "Beta GmbH",
      email: "a@beta.example",
      jurisdiction: "DE",
    });
    const id = created.data.createEntity.id;
    const updated = await h.gql(key, UPDATE_ENTITY, { id, tradingName: "Beta", email: null });
    expect(updated.data.updateEntity).toMatchObject({
      legalName: "Beta GmbH",
      tradingName: "Beta",
      email: null,
      jurisdiction: "DE",
    });
    const cleared = await h.gql(key, UPDATE_ENTITY, { id, legalName: null, firstName: "X" });
    expect(cleared.data.updateEntity.issues).toEqual([
      { path: ["legalName"], message: "is required for a company" },
      { path: ["firstName"], message: "is only for individuals" },
    ]);
    const other = await h.gql(h.other.keys.sandbox, UPDATE_ENTITY, { id, tradingName: "Hijack" });
    expect(other.data.updateEntity).toEqual({
      __typename: "NotFoundError",
      resource: "Entity",
      missingId: id,
    });
    expect(
      (await h.gql(h.acme.keys.live, "query ($id: ID!) { entity(id: $id) { id } }", { id })).data.entity,
    ).toBeNull();
    expect(
      (await h.gql(key, "query ($id: ID!) { node(id: $id) { ... on Entity { legalName } } }", { id })).data
        .node,
    ).toEqual({
      legalName: "Beta GmbH",
    });
  });

  test("creates a questionnaire with typed questions, required flags and conditional visibility", async ({
    harness: h,
  }) => {
    const key = h.acme.keys.sandbox;
    const id = await createKycQuestionnaire(h, key);
    expect(id).toMatch(/^qnr_/);
    const read = await h.gql(key, QUESTIONNAIRE, { id });
    const questionnaire = read.data.questionnaire;
    expect(questionnaire).toMatchObject({
      name: "Supplier DDQ",
      currentVersion: 1,
      versions: [{ version: 1 }],
    });
    expect(questionnaire.sections.map((s: { id: string }) => s.id)).toEqual(["company", "compliance"]);
    const regulator = questionnaire.sections[1].questions[1];
    expect(regulator).toEqual({
      id: "regulator",
      type: "single_choice",
      label: "Regulator",
      required: true,
      options: (kycQuestionnaire[1]!.questions[1] as { options: unknown }).options,
      visibleIf: { questionId: "regulated", operator: "equals", value: true },
      entityField: null,
    });
    expect(questionnaire.sections[0].questions[0]).toMatchObject({
      entityField: "legalName",
      required: true,
    });
    const listed = await h.gql(key, "{ questionnaires { edges { node { id name } } } }");
    expect(listed.data.questionnaires.edges.map((e: { node: { id: string } }) => e.node.id)).toContain(id);
    expect(
      (await h.gql(h.other.keys.sandbox, "query ($id: ID!) { questionnaire(id: $id) { id } }", { id })).data
        .questionnaire,
    ).toBeNull();
  });

  test("refuses an invalid questionnaire naming each offending field", async ({ harness: h }) => {
    const key = h.acme.keys.sandbox;
    const result = await h.gql(key, CREATE_QUESTIONNAIRE, {
      name: " ",
      sections: [
        {
          id: "s1",
          title: "One",
          questions: [
            { id: "q1", type: "single_choice", label: "Pick", options: [{ value: "a", label: "A" }] },
            { id: "q1", type: "text", label: "Again" },
            { id: "q3", type: "number", label: "Count", options: [{ value: "x", label: "X" }] },
            { id: "q4", type: "text", label: "Later", visibleIf: { questionId: "q9", operator: "answered" } },
            {
              id: "q5",
              type: "yes_no",
              label: "Flag",
              visibleIf: { questionId: "q3", operator: "equals", value: "many" },
            },
            { id: "q6", type: "number", label: "Size", entityField: "legalName" },
          ],
        },
      ],
    });
    expect(result.data.createQuestionnaire.__typename).toBe("ValidationError");
    expect(result.data.createQuestionnaire.issues).toEqual([
      { path: ["name"], message: "must be 1 to 200 characters" },
    ]);
    const sections = await h.gql(key, CREATE_QUESTIONNAIRE, {
      name: "Broken",
      sections: [
        {
          id: "s1",
          title: "One",
          questions: [
            { id: "q1", type: "single_choice", label: "Pick", options: [{ value: "a", label: "A" }] },
            { id: "q1", type: "text", label: "Again" },
            { id: "q3", type: "number", label: "Count", options: [{ value: "x", label: "X" }] },
            { id: "q4", type: "text", label: "Later", visibleIf: { questionId: "q9", operator: "answered" } },
            {
              id: "q5",
              type: "yes_no",
              label: "Flag",
              visibleIf: { questionId: "q3", operator: "equals", value: "many" },
            },
            { id: "q6", type: "number", label: "Size", entityField: "legalName" },
          ],
        },
      ],
    });
    const paths = sections.data.createQuestionnaire.issues.map((i: { path: string[] }) => i.path.join("."));
    expect(paths).toEqual([
      "sections.0.questions.0.options",
      "sections.0.questions.1.id",
      "sections.0.questions.2.options",
      "sections.0.questions.3.visibleIf.questionId",
      "sections.0.questions.4.visibleIf.value",
      "sections.0.questions.5.entityField",
    ]);
    expect(sections.data.createQuestionnaire.issues[0].message).toBe(
      'Question "q1": a single_choice question needs at least 2 options',
    );
    const shape = await h.gql(key, CREATE_QUESTIONNAIRE, {
      name: "Empty",
      sections: [{ id: "9bad", title: "", questions: [] }],
    });
    expect(shape.data.createQuestionnaire.issues.map((i: { path: string[] }) => i.path.join("."))).toEqual([
      "sections.0.id",
      "sections.0.title",
      "sections.0.questions",
    ]);
  });

  test("publishes a new version; the questionnaire moves on, version 1 stays readable", async ({
    harness: h,
  }) => {
    const key = h.acme.keys.sandbox;
    const id = await createKycQuestionnaire(h, key, "Versioned");
    const published = await h.gql(
      key,
      `mutation ($id: ID!, $sections: [QuestionnaireSectionInput!]!) {
        publishQuestionnaireVersion(questionnaireId: $id, sections: $sections) {
          __typename ... on Questionnaire { currentVersion sections { id } version(version: 1) { version sections { id } } }
        }
      }`,
      { id, sections: [{ id: "only", title: "Only", questions: [{ id: "q", type: "text", label: "Q" }] }] },
    );
    expect(published.data.publishQuestionnaireVersion).toEqual({
      __typename: "Questionnaire",
      currentVersion: 2,
      sections: [{ id: "only" }],
      version: { version: 1, sections: [{ id: "company" }, { id: "compliance" }] },
    });
  });

  test("needs the entities and questionnaires scopes", async ({ harness: h }) => {
    const limited = await provisionWorkspace(h.app, {
      organizationName: "Limited",
      workspaceName: "Limited",
      scopes: ["sessions:read"],
    });
    const denied = await h.gql(limited.keys.sandbox, CREATE_ENTITY, { legalName: "Nope" });
    expect(denied.errors?.[0]?.message).toMatch(/Not authorized/);
    const read = await h.gql(limited.keys.sandbox, "{ questionnaires { edges { node { id } } } }");
    expect(read.errors?.[0]?.message).toMatch(/Not authorized/);
  });
});
