/** Where an exposed name leads: the member and the name the member knows it by. */
export interface Route {
  member: string;
  name: string;
}

/**
 * The names a profile exposes for one kind of item (tools or prompts). With prefixes on, the
 * exposed name is `<member><separator><name>`, so two members may both have a `search` tool;
 * with prefixes off the upstream name is kept and the first member listing it wins.
 */
export class NameTable {
  readonly #routes = new Map<string, Route>();

  constructor(
    private readonly prefix: boolean,
    private readonly separator: string,
  ) {}

  /** The exposed name of `name` from `member`, remembered for routing; undefined when another member already took it. */
  expose(member: string, name: string): string | undefined {
    const exposed = this.prefix ? `${member}${this.separator}${name}` : name;
    const taken = this.#routes.get(exposed);
    if (taken && taken.member !== member) return undefined;
    this.#routes.set(exposed, { member, name });
    return exposed;
  }

  /**
   * Where an exposed name leads: from the last listing, else (prefixes on) by splitting at the
   * first separator after a known member name.
   */
  route(exposed: string, members: ReadonlySet<string>): Route | undefined {
    const known = this.#routes.get(exposed);
    if (known) return known;
    if (!this.prefix) return undefined;
    for (const member of members) {
      const head = `${member}${this.separator}`;
      if (exposed.startsWith(head) && exposed.length > head.length) return { member, name: exposed.slice(head.length) };
    }
    return undefined;
  }

  /** Forget every route (a new listing replaces them). */
  clear(): void {
    this.#routes.clear();
  }
}
