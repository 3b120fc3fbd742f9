// Due-diligence questionnaires (seed 003): entities, questionnaires, responses, sending, credits.
import "./entity.ts";
import "./questionnaire.ts";
import "./response.ts";
import "./send-workflow.ts";
import "./credits.ts";
