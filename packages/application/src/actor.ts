import type { Tenant } from "@flowgate/domain";

/** Who performs a command: the tenant it acts in and an identifier recorded on what it creates (an API key id). */
export interface Actor extends Tenant {
  actorId: string;
}
