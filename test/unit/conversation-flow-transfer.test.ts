/**
 * A conversation's transfer as the call takes it: a receptionist's target is a
 * dial string (sofia/gateway/…, user/…, loopback/…) and is bridged (a blind
 * transfer); anything else stays a dialplan transfer to an extension.
 */
import { describe, expect, test } from "bun:test";
import { callCommandOf } from "../../src/runtime/conversation-call.ts";

describe("a conversation's transfer", () => {
  test("to a dial string: the call bridges to it, the command id as its Application-UUID", () => {
    expect(callCommandOf({ type: "transfer", id: "conv:9", to: "sofia/gateway/carrier/+12125550100" }, 7)).toEqual({
      type: "bridge",
      at: 7,
      dialString: "sofia/gateway/carrier/+12125550100",
      applicationUuid: "conv:9",
    });
    expect(callCommandOf({ type: "transfer", id: "conv:10", to: "user/1001" }, 7)).toMatchObject({ type: "bridge", dialString: "user/1001" });
  });

  test("to an extension: a dialplan transfer, as before", () => {
    expect(callCommandOf({ type: "transfer", id: "conv:11", to: "1001" }, 7)).toEqual({ type: "transfer", at: 7, extension: "1001" });
  });
});
