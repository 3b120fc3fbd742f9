import { type GraphQLResolveInfo, Kind, type SelectionSetNode } from "graphql";

/**
 * Whether the field being resolved asks for any of `names` among its own sub-fields (directly, in inline
 * fragments or in named fragments; `@skip`/`@include` are not evaluated, so a skipped field counts). A
 * resolver uses it to read what the query will need in one round trip instead of one per field.
 */
export function selectsSubField(info: GraphQLResolveInfo, names: readonly string[]): boolean {
  const seen = new Set<string>();
  const search = (set: SelectionSetNode | undefined): boolean => {
    for (const selection of set?.selections ?? []) {
      switch (selection.kind) {
        case Kind.FIELD:
          if (names.includes(selection.name.value)) return true;
          break;
        case Kind.INLINE_FRAGMENT:
          if (search(selection.selectionSet)) return true;
          break;
        case Kind.FRAGMENT_SPREAD: {
          const name = selection.name.value;
          if (seen.has(name)) break;
          seen.add(name);
          if (search(info.fragments[name]?.selectionSet)) return true;
          break;
        }
      }
    }
    return false;
  };
  return info.fieldNodes.some((node) => search(node.selectionSet));
}
