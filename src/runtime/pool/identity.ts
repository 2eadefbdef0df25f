/**
 * Whose calls a container's intercepted request is: identity the platform gives, not a token.
 *
 * The outbound entrypoints (LLM, MCP, peers, beams) are bound, when a container is started, to
 * the object that started it: a session's own container carries `props: { sessionId }`; a warm
 * pool container carries `props: { poolMember }`, since it boots before any session exists. A
 * pool container's calls are its session's once the coordinator assigned it (the member records
 * the session at claim), and refused before that or after it was retired. The bearer session
 * token the entrypoints also check must then belong to that same session.
 */
export type RuntimeBinding = { sessionId: string } | { poolMember: string };

export type BoundSession = { sessionId: string } | { refused: string };

export async function boundSession(
  env: Pick<Env, "POOL_MEMBERS">,
  props: Partial<{ sessionId: string; poolMember: string }> | undefined,
): Promise<BoundSession> {
  if (props?.sessionId) return { sessionId: props.sessionId };
  if (props?.poolMember) {
    const member = env.POOL_MEMBERS.get(env.POOL_MEMBERS.idFromName(props.poolMember));
    const sessionId = await member.servedSession();
    return sessionId ? { sessionId } : { refused: "no session has claimed this runtime" };
  }
  return { refused: "no session is bound to this runtime" };
}
