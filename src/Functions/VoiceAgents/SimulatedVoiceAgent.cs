using System.Security.Cryptography;
using System.Text;
using Campaigns.Domain.Calls;
using Campaigns.Functions.Engine;
using NodaTime;

namespace Campaigns.Functions.VoiceAgents;

/// <summary>Settings of the simulator (section <c>Simulator</c>).</summary>
internal sealed class SimulatorOptions
{
    /// <summary>Length of every simulated call, in seconds (<c>Simulator__CallSeconds</c>). Default 5.</summary>
    public double CallSeconds { get; set; } = 5;

    /// <summary>Seed of the outcome draw; the same seed gives every attempt the same outcome again.</summary>
    public int Seed { get; set; } = 42;

    /// <summary>Probabilities of each outcome, normalised; an answered call gets a label from <see cref="Dispositions"/>.</summary>
    public double Answered { get; set; } = 0.45;
    public double NoAnswer { get; set; } = 0.25;
    public double Busy { get; set; } = 0.1;
    public double Failed { get; set; } = 0.05;
    public double Voicemail { get; set; } = 0.15;

    /// <summary>Agent disposition labels an answered call draws from.</summary>
    public string[] Dispositions { get; set; } = ["interested", "not_interested", "callback_requested", "renewed"];
}

/// <summary>
/// A voice agent that places no real call. The outcome is forced by the contact's custom field
/// <c>simulated_outcome</c> when present (<c>no_answer</c>, <c>busy</c>, <c>failed</c>, <c>voicemail</c>, <c>answered</c>,
/// or any other text = answered with that text as the agent's disposition), otherwise drawn from the configured
/// probabilities with a generator seeded by <see cref="SimulatorOptions.Seed"/> and the attempt id, so a run is
/// repeatable. The result is delivered through the outcomes queue after the call length, so it survives a restart
/// (a zero-length call's result is recorded as the call is placed).
/// <para>A list-fed campaign's answered call is answered the moment it is placed and asks its agent pool for a slot
/// (<see cref="AgentPools.AnsweredAsync"/>): with one, the call lasts the call length from its connection; queued,
/// it is reported only once the pool connects it (<see cref="ConnectedAsync"/>); abandoned, the pool records it and
/// the simulator reports nothing.</para>
/// </summary>
internal sealed class SimulatedVoiceAgent(SimulatorOptions options, EngineQueues queues, OutcomeRecorder recorder, AgentPools pools, TimeProvider time) : IVoiceAgent
{
    /// <summary>No provider to spare: every claimed call is placed at once.</summary>
    public int Concurrency => int.MaxValue;

    private Instant Now => Instant.FromDateTimeOffset(time.GetUtcNow());

    public async Task PlaceCallAsync(CallRequest request, CancellationToken cancellationToken)
    {
        var (outcome, disposition) = Decide(request);
        var wait = Duration.Zero;
        if (outcome == CallOutcome.Answered && request.Pool is { } pool)
        {
            var now = Now;
            if (await pools.AnsweredAsync(pool, request.Attempt, now, disposition, cancellationToken) is not AnsweredFate.Connected connected)
                return; // queued (ConnectedAsync follows) or abandoned (the pool recorded it)
            wait = connected.At - now;
        }
        await DeliverAsync(request.Attempt, outcome, disposition, wait, cancellationToken);
    }

    /// <summary>A queued answered call got its slot: it lasts the call length from then.</summary>
    public Task ConnectedAsync(AttemptId attempt, Instant at, string? note, CancellationToken cancellationToken) =>
        DeliverAsync(attempt, CallOutcome.Answered, note, at - Now, cancellationToken);

    private async Task DeliverAsync(AttemptId attempt, CallOutcome outcome, string? disposition, Duration wait, CancellationToken cancellationToken)
    {
        var seconds = Math.Max(0, options.CallSeconds);
        var delay = Math.Max(0, wait.TotalSeconds) + seconds;
        if (delay == 0)
        {
            // A zero-length call's result is known as it is placed: record it at once. Should the process die first,
            // the attempt's timeout brings it back like any call whose result never came.
            await recorder.RecordAsync(attempt, outcome, disposition, 0, cancellationToken);
            return;
        }
        await queues.SendOutcomeAsync(
            new OutcomeMessage(attempt.ToString(), outcome.ToWire(), disposition, (int)Math.Round(seconds)),
            TimeSpan.FromSeconds(delay), cancellationToken);
    }

    internal (CallOutcome Outcome, string? Disposition) Decide(CallRequest request)
    {
        var forced = request.Contact.CustomFields.RawJsonByName.FirstOrDefault(f => f.Key == "simulated_outcome").Value;
        if (forced is not null)
        {
            var text = forced.Trim('"');
            if (CallOutcomeNames.TryParse(text, out var named))
                return named == CallOutcome.Answered ? (named, options.Dispositions.FirstOrDefault()) : (named, null);
            return (CallOutcome.Answered, text);
        }

        var random = new Random(options.Seed ^ StableHash(request.Attempt.ToString()));
        var weights = new (CallOutcome Outcome, double Weight)[]
        {
            (CallOutcome.Answered, options.Answered), (CallOutcome.NoAnswer, options.NoAnswer), (CallOutcome.Busy, options.Busy),
            (CallOutcome.Failed, options.Failed), (CallOutcome.Voicemail, options.Voicemail),
        };
        var roll = random.NextDouble() * weights.Sum(w => Math.Max(0, w.Weight));
        foreach (var (outcome, weight) in weights)
        {
            roll -= Math.Max(0, weight);
            if (roll < 0)
            {
                return outcome == CallOutcome.Answered
                    ? (outcome, options.Dispositions[random.Next(options.Dispositions.Length)])
                    : (outcome, null);
            }
        }
        return (CallOutcome.NoAnswer, null);
    }

    private static int StableHash(string text) => BitConverter.ToInt32(SHA256.HashData(Encoding.UTF8.GetBytes(text)), 0);
}
