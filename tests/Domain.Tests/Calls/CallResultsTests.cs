using Campaigns.Domain.Calls;
using Campaigns.Domain.Contacts;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using NodaTime;

namespace Campaigns.Domain.Tests.Calls;

public sealed class CallResultsTests
{
    private static readonly Instant Start = Instant.FromUtc(2026, 3, 2, 15, 0);
    private static readonly Instant End = Start + Duration.FromSeconds(42);
    private static readonly RetrySettings ThreeTries = new(3, 120, null);

    private static ContactState Fresh() =>
        new(new ContactSpec(PhoneNumber.Parse("+919876543210"), "Priya", null, CustomFields.None), ContactStatus.Pending, 0, null, null);

    private static ContactState Dialing(int attempt)
    {
        var contact = Fresh();
        for (var n = 1; n <= attempt; n++)
        {
            contact = contact.StartAttempt(Start);
            if (n < attempt)
                contact = ((ResultEffect.Recorded)CallResults.Apply(contact, n, CallOutcome.NoAnswer, null, 0, ThreeTries, Start)).Contact;
        }
        return contact;
    }

    [Fact]
    public void StartAttempt_Pending_DialsTheNextAttemptAndKeepsItInTheHistory()
    {
        var dialing = Fresh().StartAttempt(Start);
        Assert.Equal(ContactStatus.Dialing, dialing.Status);
        Assert.Equal(1, dialing.Attempts);
        Assert.Equal([new AttemptRecord(1, Start)], dialing.History);
    }

    [Fact]
    public void Apply_AnsweredCurrentAttempt_ResolvesWithTheAgentsDispositionAndRecordsTheCall()
    {
        var effect = Assert.IsType<ResultEffect.Recorded>(CallResults.Apply(Dialing(1), 1, CallOutcome.Answered, "interested", 42, ThreeTries, End));
        Assert.Equal(new RetryDecision.Resolve("interested"), effect.Decision);
        Assert.Equal(ContactStatus.Resolved, effect.Contact.Status);
        Assert.Equal("interested", effect.Contact.LastDisposition);
        Assert.Equal(new AttemptRecord(1, Start, "answered", "interested", End, 42), effect.Contact.History[0]);
    }

    [Fact]
    public void Apply_UnansweredBeforeTheLastAttempt_WaitsForTheRetry()
    {
        var effect = Assert.IsType<ResultEffect.Recorded>(CallResults.Apply(Dialing(1), 1, CallOutcome.Busy, null, 0, ThreeTries, End));
        Assert.Equal(new RetryDecision.RetryAt(End + Duration.FromMinutes(120)), effect.Decision);
        Assert.Equal(ContactStatus.Pending, effect.Contact.Status);
        Assert.Equal("retry_pending", effect.Contact.WaitReason);
        Assert.Equal(End + Duration.FromMinutes(120), effect.Contact.NextAttemptAt);
    }

    [Fact]
    public void Apply_UnansweredLastAttempt_IsNotReachable()
    {
        var effect = Assert.IsType<ResultEffect.Recorded>(CallResults.Apply(Dialing(3), 3, CallOutcome.Voicemail, null, 0, ThreeTries, End));
        Assert.Equal(new RetryDecision.Resolve(Dispositions.NotReachable), effect.Decision);
        Assert.Equal(3, effect.Contact.History.Count);
    }

    [Fact]
    public void Apply_SecondResultForTheSameAttempt_IsADuplicateAndChangesNothing()
    {
        var first = Assert.IsType<ResultEffect.Recorded>(CallResults.Apply(Dialing(1), 1, CallOutcome.Answered, "interested", 42, ThreeTries, End));
        Assert.IsType<ResultEffect.Duplicate>(CallResults.Apply(first.Contact, 1, CallOutcome.NoAnswer, null, 0, ThreeTries, End));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(-1)]
    public void Apply_AttemptNeverStarted_IsUnknown(int attempt) =>
        Assert.IsType<ResultEffect.UnknownAttempt>(CallResults.Apply(Dialing(1), attempt, CallOutcome.Answered, null, 0, ThreeTries, End));

    [Fact]
    public void Apply_ResultOfAnEarlierAttemptWithoutOne_IsKeptOnThatAttemptOnly()
    {
        // Attempt 1 never got a result (say the contact was moved on by hand); attempt 2 is dialing.
        var contact = Fresh().StartAttempt(Start) with { Status = ContactStatus.Pending };
        contact = contact.StartAttempt(Start + Duration.FromMinutes(5));
        var effect = Assert.IsType<ResultEffect.Recorded>(CallResults.Apply(contact, 1, CallOutcome.Answered, "late", 10, ThreeTries, End));
        Assert.Null(effect.Decision);
        Assert.Equal(ContactStatus.Dialing, effect.Contact.Status);
        Assert.Equal("answered", effect.Contact.History[0].Outcome);
        Assert.Null(effect.Contact.History[1].Outcome);
    }

    [Property]
    public Property Apply_AnyOrderOfRepeatedResults_RecordsEachAttemptOnceWithItsFirstResult() =>
        Prop.ForAll(Gen.Elements(CallOutcome.Answered, CallOutcome.NoAnswer, CallOutcome.Busy, CallOutcome.Failed, CallOutcome.Voicemail)
                .ArrayOf().Where(a => a.Length > 0).ToArbitrary(),
            outcomes =>
            {
                var contact = Dialing(1);
                var recorded = 0;
                foreach (var outcome in outcomes)
                {
                    if (CallResults.Apply(contact, 1, outcome, null, 0, ThreeTries, End) is ResultEffect.Recorded r)
                    {
                        contact = r.Contact;
                        recorded++;
                    }
                }
                return recorded == 1 && contact.History[0].Outcome == outcomes[0].ToWire();
            });
}
