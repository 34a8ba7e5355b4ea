using System.Text.Json;
using System.Text.Json.Serialization;
using Campaigns.Domain.Dialer;
using NodaTime;

namespace Campaigns.Functions.Storage;

/// <summary>
/// Dialer settings in the Campaign Scheduler API's wire form (snake_case, times as <c>HH:mm:ss</c>, states as the
/// comma-separated text). The same form is the API's answer and the campaign row's <c>Dialer</c> property, so what
/// is stored is exactly what a client sees.
/// </summary>
public sealed record DialerSettingsWire(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("agent_id")] string? AgentId,
    [property: JsonPropertyName("workspace")] string? Workspace,
    [property: JsonPropertyName("email")] string? Email,
    [property: JsonPropertyName("locale_name")] string LocaleName,
    [property: JsonPropertyName("active")] bool Active,
    [property: JsonPropertyName("call_ratio")] double CallRatio,
    [property: JsonPropertyName("dialer_interval")] int DialerInterval,
    [property: JsonPropertyName("max_active_calls")] int MaxActiveCalls,
    [property: JsonPropertyName("max_number_calls")] int MaxNumberCalls,
    [property: JsonPropertyName("min_time_between_calls")] int MinTimeBetweenCalls,
    [property: JsonPropertyName("dupe_days")] int DupeDays,
    [property: JsonPropertyName("expire_days")] int ExpireDays,
    [property: JsonPropertyName("earliest_prospect_time")] string EarliestProspectTime,
    [property: JsonPropertyName("latest_prospect_time")] string LatestProspectTime,
    [property: JsonPropertyName("ignore_states")] string IgnoreStates,
    [property: JsonPropertyName("filter_holidays")] bool FilterHolidays,
    [property: JsonPropertyName("max_wait_time")] int MaxWaitTime,
    [property: JsonPropertyName("queue_strategy")] string QueueStrategy,
    [property: JsonPropertyName("wrap_up_time")] int WrapUpTime,
    [property: JsonPropertyName("paused")] bool Paused)
{
    public static DialerSettingsWire From(DialerSettings s) => new(
        s.Name, s.AgentId, s.Workspace, s.Email, s.LocaleName, s.Active, s.CallRatio, s.DialerIntervalSeconds, s.MaxActiveCalls,
        s.MaxNumberCalls, s.MinTimeBetweenCallsMinutes, s.DupeDays, s.ExpireDays, DialerSettings.FormatTime(s.EarliestProspectTime),
        DialerSettings.FormatTime(s.LatestProspectTime), s.IgnoreStates.ToString(), s.FilterHolidays, s.MaxWaitTimeSeconds,
        s.QueueStrategy.ToWire(), s.WrapUpTimeSeconds, s.Paused);

    /// <summary>Back to the Domain value; the stored form was valid when written, so a failure here is corruption.</summary>
    public DialerSettings ToSettings() => new()
    {
        Name = Name, AgentId = AgentId, Workspace = Workspace, Email = Email, LocaleName = LocaleName, Active = Active,
        CallRatio = CallRatio, DialerIntervalSeconds = DialerInterval, MaxActiveCalls = MaxActiveCalls, MaxNumberCalls = MaxNumberCalls,
        MinTimeBetweenCallsMinutes = MinTimeBetweenCalls, DupeDays = DupeDays, ExpireDays = ExpireDays,
        EarliestProspectTime = ParseTime(EarliestProspectTime), LatestProspectTime = ParseTime(LatestProspectTime),
        IgnoreStates = StateCodeList.Parse(IgnoreStates), FilterHolidays = FilterHolidays, MaxWaitTimeSeconds = MaxWaitTime,
        QueueStrategy = QueueStrategyNames.TryParse(QueueStrategy, out var strategy) ? strategy : throw new FormatException($"queue_strategy '{QueueStrategy}'"),
        WrapUpTimeSeconds = WrapUpTime, Paused = Paused,
    };

    private static LocalTime ParseTime(string text) =>
        NodaTime.Text.LocalTimePattern.CreateWithInvariantCulture("HH':'mm':'ss").Parse(text).GetValueOrThrow();

    public string ToJson() => JsonSerializer.Serialize(this);

    public static DialerSettings Parse(string json) =>
        (JsonSerializer.Deserialize<DialerSettingsWire>(json) ?? throw new FormatException("empty dialer settings")).ToSettings();
}
