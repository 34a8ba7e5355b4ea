using NodaTime;

namespace Campaigns.Domain.Contacts;

/// <summary>A contact as the client gave it: who to call, and the fields passed into the script at call time.</summary>
/// <param name="Phone">The number to dial; unique within a campaign.</param>
/// <param name="Name">The contact's name, required by the API.</param>
/// <param name="TimeZone">An IANA zone id the client gave for this contact (field <c>timezone</c>), else null.</param>
/// <param name="CustomFields">Every other key of the contact object, values kept verbatim as JSON.</param>
public sealed record ContactSpec(PhoneNumber Phone, string Name, string? TimeZone, CustomFields CustomFields)
{
    /// <summary>A prospect's state or province code (the CSV's <c>state</c> column), when given.</summary>
    public string? State { get; init; }

    /// <summary>When a prospect was imported through a list (its <c>expire_days</c> count from here); null for /v1 contacts.</summary>
    public Instant? ImportedAt { get; init; }

    /// <summary>The prospect list (its uuid) a prospect came from; null for /v1 contacts.</summary>
    public string? ListId { get; init; }

    /// <summary>Where the prospect came from: <c>{uploadId}:{line}</c> for a CSV row, so an upload batch run again knows its own rows.</summary>
    public string? Source { get; init; }
}

/// <summary>
/// The custom fields of a contact: names in the order the client sent them, each value the exact JSON
/// text the client sent (a string stays a string, a number stays a number).
/// </summary>
public sealed record CustomFields(IReadOnlyList<KeyValuePair<string, string>> RawJsonByName)
{
    public static readonly CustomFields None = new([]);

    public int Count => RawJsonByName.Count;
}

/// <summary>Where a contact is in its campaign.</summary>
public enum ContactStatus
{
    /// <summary>Not dialed yet, or waiting for its next attempt.</summary>
    Pending,
    /// <summary>Removed by the operator before it was called; never dialed.</summary>
    Removed,
    /// <summary>A call is in progress.</summary>
    Dialing,
    /// <summary>Done: answered (with the agent's disposition) or not reachable after its last attempt.</summary>
    Resolved,
}

/// <summary>The stored state of one contact of a campaign.</summary>
public sealed record ContactState(
    ContactSpec Spec,
    ContactStatus Status,
    int Attempts,
    string? LastDisposition,
    Instant? NextAttemptAt)
{
    /// <summary>Why a pending contact is not being dialed now (<c>retry_pending</c>, <c>outside_legal_hours</c>, ...), else null.</summary>
    public string? WaitReason { get; init; }

    /// <summary>The outcome of the last attempt (<c>no_answer</c>, <c>busy</c>, ...), else null.</summary>
    public string? LastOutcome { get; init; }

    /// <summary>Every attempt started, oldest first; the last is the current one. Its count is <see cref="Attempts"/>.</summary>
    public IReadOnlyList<AttemptRecord> History { get; init; } = [];

    /// <summary>The attempt numbered <paramref name="number"/> (1-based), if it was started.</summary>
    public AttemptRecord? AttemptNumbered(int number) => number >= 1 && number <= History.Count ? History[number - 1] : null;

    /// <summary>Starts attempt <see cref="Attempts"/> + 1: the contact is dialing from <paramref name="now"/>.</summary>
    public ContactState StartAttempt(Instant now) => this with
    {
        Status = ContactStatus.Dialing,
        Attempts = Attempts + 1,
        History = [.. History, new AttemptRecord(Attempts + 1, now)],
        NextAttemptAt = null,
        WaitReason = null,
    };

    /// <summary>"Already called" in the API's sense: at least one attempt has been started.</summary>
    public bool HasBeenCalled => Attempts > 0 || Status is ContactStatus.Dialing or ContactStatus.Resolved;
}

/// <summary>
/// One call attempt of a contact: when it started and, once its result is recorded, how it ended. Its id is
/// deterministic (<see cref="Calls.AttemptId"/>), so a result is recorded once per attempt.
/// </summary>
public sealed record AttemptRecord(int Number, Instant StartedAt, string? Outcome = null, string? Disposition = null,
    Instant? EndedAt = null, int? DurationSeconds = null)
{
    public bool HasResult => Outcome is not null;
}

public static class ContactStatusNames
{
    public static string ToWire(this ContactStatus status) => status switch
    {
        ContactStatus.Pending => "pending",
        ContactStatus.Removed => "removed",
        ContactStatus.Dialing => "dialing",
        ContactStatus.Resolved => "resolved",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    public static ContactStatus FromWire(string text) => text switch
    {
        "pending" => ContactStatus.Pending,
        "removed" => ContactStatus.Removed,
        "dialing" => ContactStatus.Dialing,
        "resolved" => ContactStatus.Resolved,
        _ => throw new FormatException($"Unknown contact status '{text}'"),
    };
}
