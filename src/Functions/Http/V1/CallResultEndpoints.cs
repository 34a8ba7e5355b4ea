using System.Text.Json;
using Campaigns.Domain.Calls;
using Campaigns.Domain.Validation;
using Campaigns.Functions.Engine;
using Campaigns.Functions.Http.Auth;
using Campaigns.Functions.Storage;

namespace Campaigns.Functions.Http.V1;

public sealed record CallResultRequest(string Outcome, string? Disposition, int? DurationSeconds);

public sealed record CallResultView(string CallId, bool Recorded, string? Reason);

/// <summary>
/// What became of an answered call: <c>connected</c> (on agent slot <c>slot</c> from <c>connected_at</c>), <c>queued</c>
/// (every slot busy; abandoned at <c>abandon_at</c> unless one frees first: ask again), <c>abandoned</c>, or <c>ended</c>
/// (its result is recorded).
/// </summary>
public sealed record CallAnsweredView(string CallId, string Fate, int? Slot, string? ConnectedAt, string? AbandonAt);

/// <summary>
/// <c>POST /v1/calls/{call_id}/result</c>: a voice-agent provider reports how a call ended, authenticated with the API key
/// of the account that owns the campaign. <c>call_id</c> is the attempt id the call request carried. Idempotent: a
/// repeated report answers 200 with <c>recorded: false, reason: duplicate</c> and changes nothing.
/// </summary>
internal static class CallResultEndpoints
{
    public static void MapCallResults(this IEndpointRouteBuilder app)
    {
        var calls = app.MapGroup("/v1/calls").RequireAccount().WithTags("Voice-agent callbacks");
        calls.MapPost("/{call_id}/result", ReportAsync).WithName("ReportCallResult")
            .Accepts<CallResultRequest>("application/json")
            .Produces<CallResultView>().ProducesProblem(400).ProducesProblem(401).ProducesProblem(404)
            .WithSummary("Report the result of a call (provider callback)");
        calls.MapPost("/{call_id}/answered", AnsweredAsync).WithName("ReportCallAnswered")
            .Produces<CallAnsweredView>().ProducesProblem(401).ProducesProblem(404)
            .WithSummary("Report that a prospect answered: the call gets an agent slot, or waits for one (provider callback)");
    }

    /// <summary>
    /// <c>POST /v1/calls/{call_id}/answered</c>: the prospect picked up. A list-fed campaign's call asks its agent pool
    /// for a slot (<see cref="AgentPools.AnsweredAsync"/>, by queue_strategy and max_wait_time); a /v1 campaign has no
    /// pool, so its call is connected at once. Idempotent: asking again answers the call's current fate (a queued
    /// call's provider asks again to learn when it connects), and a call whose result is recorded is <c>ended</c> (or
    /// <c>abandoned</c>, when the pool dropped it).
    /// </summary>
    private static async Task<IResult> AnsweredAsync(
        HttpContext http, string call_id, CampaignStore campaigns, ContactStore contacts, AgentPools pools, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!AttemptId.TryParse(call_id, out var attempt) || await campaigns.GetAsync(http.AccountId(), attempt.CampaignId, cancellationToken) is not { } stored)
            return Problems.NotFound($"No call '{call_id}' in this account.");
        var partition = ContactSharding.PartitionKey(attempt.CampaignId, attempt.Shard);
        var found = await contacts.GetManyAsync(partition, [attempt.E164], cancellationToken);
        if (!found.TryGetValue(attempt.E164, out var contact) || contact.State.AttemptNumbered(attempt.Number) is not { } record)
            return Problems.NotFound($"No call '{call_id}' in this account.");
        if (record.HasResult)
            return Results.Ok(new CallAnsweredView(call_id, record.Disposition == AgentPools.AbandonedDisposition ? "abandoned" : "ended", null, null, null));
        var now = NodaTime.Instant.FromDateTimeOffset(time.GetUtcNow());
        if (stored.Campaign.Dialer is not { } settings)
            return Results.Ok(new CallAnsweredView(call_id, "connected", null, CampaignViews.Utc(now), null));
        var pool = pools.PoolOf(stored.AccountId, stored.Campaign.Id, settings);
        return await pools.AnsweredAsync(pool, attempt, now, null, cancellationToken) switch
        {
            AnsweredFate.Connected c => Results.Ok(new CallAnsweredView(call_id, "connected", c.Slot, CampaignViews.Utc(c.At), null)),
            AnsweredFate.Queued q => Results.Ok(new CallAnsweredView(call_id, "queued", null, null, CampaignViews.Utc(q.Deadline))),
            _ => Results.Ok(new CallAnsweredView(call_id, "abandoned", null, null, null)),
        };
    }

    private static async Task<IResult> ReportAsync(
        HttpContext http, string call_id, CampaignStore campaigns, OutcomeRecorder recorder, CancellationToken cancellationToken)
    {
        if (!AttemptId.TryParse(call_id, out var attempt) || await campaigns.GetAsync(http.AccountId(), attempt.CampaignId, cancellationToken) is null)
            return Problems.NotFound($"No call '{call_id}' in this account.");
        var (document, problem) = await JsonBody.ReadObjectAsync(http.Request, cancellationToken);
        if (problem is not null)
            return problem;
        var errors = new ValidationErrors();
        CallResultInput? input = null;
        using (document)
        {
            var root = document!.RootElement;
            var unreadable = JsonBody.Read(() => input = CallResultReader.Read(root, errors));
            if (unreadable is not null)
                return unreadable;
        }
        if (input is null)
            return Problems.Validation(errors.All);

        return await recorder.RecordAsync(attempt, input.Outcome, input.Disposition, input.DurationSeconds, cancellationToken) switch
        {
            RecordResult.Recorded => Results.Ok(new CallResultView(call_id, true, null)),
            RecordResult.Duplicate => Results.Ok(new CallResultView(call_id, false, "duplicate")),
            _ => Problems.NotFound($"No call '{call_id}' in this account."),
        };
    }
}
