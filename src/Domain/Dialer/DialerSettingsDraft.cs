namespace Campaigns.Domain.Dialer;

/// <summary>What a JSON object said about one field.</summary>
public enum DraftState
{
    /// <summary>The key was not in the object (also: the reader found the wrong JSON type and reported it).</summary>
    Absent = 0,
    /// <summary>The key was there with the value <c>null</c>.</summary>
    Null,
    /// <summary>The key was there with a value of the expected JSON type.</summary>
    Present,
}

/// <summary>
/// One field of a draft: absent, null, or a raw value of the JSON type the field expects (string, number as
/// <see cref="double"/>, or boolean). The default value is <see cref="DraftState.Absent"/>.
/// </summary>
/// <remarks>
/// The JSON reader, not the rules, knows when a value has the wrong JSON type (a string where a number belongs).
/// It adds that error itself, under the field's wire name, and leaves the field <see cref="DraftState.Absent"/>;
/// the rules skip any field that already has an error, so the client sees one message per field.
/// Numbers are carried as <see cref="double"/> so that <c>10.5</c> reaches the rules and is refused with
/// "must be an integer" rather than lost in the reader; every integer range here is far below 2^53.
/// </remarks>
public readonly record struct DraftValue<T> where T : notnull
{
    private readonly T? _value;

    private DraftValue(DraftState state, T? value)
    {
        State = state;
        _value = value;
    }

    public DraftState State { get; }

    public static DraftValue<T> Absent => default;
    public static DraftValue<T> Null => new(DraftState.Null, default);
    /// <summary>A present value; a null reference (a reader's <c>GetString()</c> on a JSON null) gives <see cref="Null"/>, never "present null".</summary>
    public static DraftValue<T> Of(T value) => value is null ? Null : new(DraftState.Present, value);

    public bool IsAbsent => State == DraftState.Absent;
    public bool IsNull => State == DraftState.Null;
    public bool IsPresent => State == DraftState.Present;

    /// <summary>The value; only when <see cref="IsPresent"/>.</summary>
    public T Value => State == DraftState.Present ? _value! : throw new InvalidOperationException($"The field is {State}, not present.");

    public static implicit operator DraftValue<T>(T value) => Of(value);

    public override string ToString() => State == DraftState.Present ? $"{_value}" : State.ToString();
}

/// <summary>
/// A dialer-settings request body as read off the wire (POST, PUT or PATCH): each field absent, null or raw.
/// Property names follow <see cref="DialerSettings"/>; <see cref="DialerFields"/> gives the wire names and the JSON
/// type the reader must find for each.
/// </summary>
public sealed record DialerSettingsDraft
{
    public DraftValue<string> Name { get; init; }
    public DraftValue<string> AgentId { get; init; }
    public DraftValue<string> Workspace { get; init; }
    public DraftValue<string> Email { get; init; }
    public DraftValue<string> LocaleName { get; init; }
    public DraftValue<bool> Active { get; init; }
    public DraftValue<double> CallRatio { get; init; }
    public DraftValue<double> DialerInterval { get; init; }
    public DraftValue<double> MaxActiveCalls { get; init; }
    public DraftValue<double> MaxNumberCalls { get; init; }
    public DraftValue<double> MinTimeBetweenCalls { get; init; }
    public DraftValue<double> DupeDays { get; init; }
    public DraftValue<double> ExpireDays { get; init; }
    public DraftValue<string> EarliestProspectTime { get; init; }
    public DraftValue<string> LatestProspectTime { get; init; }
    public DraftValue<string> IgnoreStates { get; init; }
    public DraftValue<bool> FilterHolidays { get; init; }
    public DraftValue<double> MaxWaitTime { get; init; }
    public DraftValue<string> QueueStrategy { get; init; }
    public DraftValue<double> WrapUpTime { get; init; }
    public DraftValue<bool> Paused { get; init; }

    /// <summary>A draft with no field at all (an empty JSON object).</summary>
    public static readonly DialerSettingsDraft Empty = new();
}

/// <summary>The JSON type a field's value must have.</summary>
public enum JsonKind
{
    String,
    Number,
    Boolean,
}

/// <summary>Wire names of the dialer settings (snake_case, as in the seed), with the JSON type each expects.</summary>
public static class DialerFields
{
    public const string Name = "name";
    public const string AgentId = "agent_id";
    public const string Workspace = "workspace";
    public const string Email = "email";
    public const string LocaleName = "locale_name";
    public const string Active = "active";
    public const string CallRatio = "call_ratio";
    public const string DialerInterval = "dialer_interval";
    public const string MaxActiveCalls = "max_active_calls";
    public const string MaxNumberCalls = "max_number_calls";
    public const string MinTimeBetweenCalls = "min_time_between_calls";
    public const string DupeDays = "dupe_days";
    public const string ExpireDays = "expire_days";
    public const string EarliestProspectTime = "earliest_prospect_time";
    public const string LatestProspectTime = "latest_prospect_time";
    public const string IgnoreStates = "ignore_states";
    public const string FilterHolidays = "filter_holidays";
    public const string MaxWaitTime = "max_wait_time";
    public const string QueueStrategy = "queue_strategy";
    public const string WrapUpTime = "wrap_up_time";
    public const string Paused = "paused";

    /// <summary>
    /// Every field with the JSON type its value must have and whether <c>null</c> is a meaningful value
    /// (only for the three optional references, <c>agent_id</c>, <c>workspace</c> and <c>email</c>).
    /// </summary>
    public static IReadOnlyList<(string Name, JsonKind Kind, bool Nullable)> All { get; } =
    [
        (Name, JsonKind.String, false), (AgentId, JsonKind.String, true), (Workspace, JsonKind.String, true),
        (Email, JsonKind.String, true), (LocaleName, JsonKind.String, false), (Active, JsonKind.Boolean, false),
        (CallRatio, JsonKind.Number, false), (DialerInterval, JsonKind.Number, false), (MaxActiveCalls, JsonKind.Number, false),
        (MaxNumberCalls, JsonKind.Number, false), (MinTimeBetweenCalls, JsonKind.Number, false), (DupeDays, JsonKind.Number, false),
        (ExpireDays, JsonKind.Number, false), (EarliestProspectTime, JsonKind.String, false), (LatestProspectTime, JsonKind.String, false),
        (IgnoreStates, JsonKind.String, false), (FilterHolidays, JsonKind.Boolean, false), (MaxWaitTime, JsonKind.Number, false),
        (QueueStrategy, JsonKind.String, false), (WrapUpTime, JsonKind.Number, false), (Paused, JsonKind.Boolean, false),
    ];

    /// <summary>The message a reader gives for a value of the wrong JSON type, so that every reader says the same.</summary>
    public static string WrongTypeMessage(JsonKind expected) => expected switch
    {
        JsonKind.String => "must be a JSON string",
        JsonKind.Number => "must be a JSON number",
        JsonKind.Boolean => "must be true or false",
        _ => throw new ArgumentOutOfRangeException(nameof(expected), expected, null),
    };
}
