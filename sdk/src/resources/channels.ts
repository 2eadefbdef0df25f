/** `client.channels`: chat channels — a Telegram bot, Slack app or WhatsApp number answering as an agent. */
import type { RequestOptions } from "../core/http.js";
import type { Page } from "../core/pagination.js";
import type { Channel, ChannelCreateParams, ChannelDeleted, ChannelListParams } from "../types.js";
import { Resource, seg } from "./resource.js";

export class Channels extends Resource {
  /**
   * Connects a platform to an agent. The secrets are sealed server-side and never returned;
   * Telegram's webhook is registered for you, Slack and WhatsApp need `webhook_url` pasted (see `setup`).
   */
  create(body: ChannelCreateParams, options?: RequestOptions): Promise<Channel> {
    return this.http.json({ method: "POST", path: "/v1/channels", body, options });
  }

  /** A channel with its delivery counters and last platform error. */
  retrieve(channelId: string, options?: RequestOptions): Promise<Channel> {
    return this.http.json({ method: "GET", path: `/v1/channels/${seg(channelId)}`, options });
  }

  list(params: ChannelListParams = {}, options?: RequestOptions): Promise<Page<Channel>> {
    return this.paginate("/v1/channels", params, options);
  }

  /** Removes a channel: its webhook stops being accepted at once. */
  delete(channelId: string, options?: RequestOptions): Promise<ChannelDeleted> {
    return this.http.json({ method: "DELETE", path: `/v1/channels/${seg(channelId)}`, options });
  }
}
