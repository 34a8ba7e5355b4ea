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
        string? outcomeText = null, disposition = null;
        int? duration = null;
        using (document)
        {
            var root = document!.RootElement;
            var unreadable = JsonBody.Read(() =>
            {
                outcomeText = CreateCampaignReader.String(root, "outcome", "outcome", errors);
                disposition = CreateCampaignReader.String(root, "disposition", "disposition", errors);
                duration = CreateCampaignReader.Integer(root, "duration_seconds", "duration_seconds", errors);
            });
            if (unreadable is not null)
                return unreadable;
        }
        CallOutcome outcome = default;
        if (!errors.Has("outcome") && !CallOutcomeNames.TryParse(outcomeText, out outcome))
            errors.Add("outcome", "must be one of answered, no_answer, busy, failed, voicemail");
        if (disposition is { Length: > 64 })
            errors.Add("disposition", "must be at most 64 characters");
        if (duration is < 0)
            errors.Add("duration_seconds", "must not be negative");
        if (errors.Any)
            return Problems.Validation(errors.All);

        return await recorder.RecordAsync(attempt, outcome, disposition, duration, cancellationToken) switch
        {
            RecordResult.Recorded => Results.Ok(new CallResultView(call_id, true, null)),
            RecordResult.Duplicate => Results.Ok(new CallResultView(call_id, false, "duplicate")),
            _ => Problems.NotFound($"No call '{call_id}' in this account."),
        };
    }
}
