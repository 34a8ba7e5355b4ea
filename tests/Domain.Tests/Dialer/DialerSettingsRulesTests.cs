using Campaigns.Domain.Dialer;
using Campaigns.Domain.Validation;
using NodaTime;

namespace Campaigns.Domain.Tests.Dialer;

public sealed class DialerSettingsRulesTests
{
    private static readonly DialerSettingsDraft Named = new() { Name = "February Reminders" };

    private static (DialerSettings? Settings, Dictionary<string, string> Errors) Create(DialerSettingsDraft draft) =>
        Run(errors => DialerSettingsRules.Create(draft, errors));

    private static (DialerSettings? Settings, Dictionary<string, string> Errors) Patch(DialerSettings current, DialerSettingsDraft draft) =>
        Run(errors => DialerSettingsRules.Patch(current, draft, errors));

    private static (DialerSettings? Settings, Dictionary<string, string> Errors) Run(Func<ValidationErrors, DialerSettings?> rule)
    {
        var errors = new ValidationErrors();
        var settings = rule(errors);
        return (settings, errors.All.ToDictionary(e => e.Field, e => e.Message));
    }

    /// <summary>A draft with the name and one numeric field set by its wire name.</summary>
    private static DialerSettingsDraft WithNumber(string field, double value) => field switch
    {
        DialerFields.CallRatio => Named with { CallRatio = value },
        DialerFields.DialerInterval => Named with { DialerInterval = value },
        DialerFields.MaxActiveCalls => Named with { MaxActiveCalls = value },
        DialerFields.MaxNumberCalls => Named with { MaxNumberCalls = value },
        DialerFields.MinTimeBetweenCalls => Named with { MinTimeBetweenCalls = value },
        DialerFields.DupeDays => Named with { DupeDays = value },
        DialerFields.ExpireDays => Named with { ExpireDays = value },
        DialerFields.MaxWaitTime => Named with { MaxWaitTime = value },
        DialerFields.WrapUpTime => Named with { WrapUpTime = value },
        _ => throw new ArgumentOutOfRangeException(nameof(field), field, null),
    };

    [Fact]
    public void Create_NameOnly_AppliesEveryDefaultOfTheSeedTable()
    {
        var (settings, errors) = Create(Named);
        Assert.Empty(errors);
        Assert.NotNull(settings);
        Assert.Equal("February Reminders", settings.Name);
        Assert.Null(settings.AgentId);
        Assert.Null(settings.Workspace);
        Assert.Null(settings.Email);
        Assert.Equal("USCA", settings.LocaleName);
        Assert.True(settings.Active);
        Assert.Equal(1.0, settings.CallRatio);
        Assert.Equal(10, settings.DialerIntervalSeconds);
        Assert.Equal(0, settings.MaxActiveCalls);
        Assert.Equal(10, settings.MaxNumberCalls);
        Assert.Equal(30, settings.MinTimeBetweenCallsMinutes);
        Assert.Equal(90, settings.DupeDays);
        Assert.Equal(90, settings.ExpireDays);
        Assert.Equal("09:00:00", DialerSettings.FormatTime(settings.EarliestProspectTime));
        Assert.Equal("21:00:00", DialerSettings.FormatTime(settings.LatestProspectTime));
        Assert.Equal("", settings.IgnoreStates.ToString());
        Assert.True(settings.FilterHolidays);
        Assert.Equal(60, settings.MaxWaitTimeSeconds);
        Assert.Equal(QueueStrategy.LongestIdleAgent, settings.QueueStrategy);
        Assert.Equal("longest-idle-agent", settings.QueueStrategy.ToWire());
        Assert.Equal(3, settings.WrapUpTimeSeconds);
        Assert.False(settings.Paused);
    }

    [Fact]
    public void Create_SeedCurlExample_IsValid()
    {
        var draft = new DialerSettingsDraft
        {
            Name = "February Reminders", AgentId = "agent_abc123", Workspace = "ws_001", Email = "owner@example.com",
            LocaleName = "USCA", EarliestProspectTime = "09:00:00", LatestProspectTime = "21:00:00", CallRatio = 1.0,
            MaxNumberCalls = 10, MinTimeBetweenCalls = 30, DialerInterval = 10,
        };
        var (settings, errors) = Create(draft);
        Assert.Empty(errors);
        Assert.Equal("agent_abc123", settings!.AgentId);
        Assert.Equal("ws_001", settings.Workspace);
        Assert.Equal("owner@example.com", settings.Email);
    }

    [Fact]
    public void Create_NoName_IsRequired()
    {
        Assert.Contains("required", Create(DialerSettingsDraft.Empty).Errors[DialerFields.Name]);
        Assert.Contains("1 to 255", Create(new DialerSettingsDraft { Name = DraftValue<string>.Null }).Errors[DialerFields.Name]);
        Assert.Contains("blank", Create(new DialerSettingsDraft { Name = "   " }).Errors[DialerFields.Name]);
    }

    [Fact]
    public void Create_NameLength_CountsCodePoints()
    {
        Assert.Empty(Create(new DialerSettingsDraft { Name = string.Concat(Enumerable.Repeat("🙂", 255)) }).Errors);
        Assert.Contains("(got 256)", Create(new DialerSettingsDraft { Name = string.Concat(Enumerable.Repeat("🙂", 256)) }).Errors[DialerFields.Name]);
    }

    [Theory]
    [InlineData(DialerFields.CallRatio, -0.1, false)]
    [InlineData(DialerFields.CallRatio, 0, true)]
    [InlineData(DialerFields.CallRatio, 2.5, true)]
    [InlineData(DialerFields.CallRatio, 10, true)]
    [InlineData(DialerFields.CallRatio, 10.01, false)]
    [InlineData(DialerFields.CallRatio, double.NaN, false)]
    [InlineData(DialerFields.CallRatio, double.PositiveInfinity, false)]
    [InlineData(DialerFields.DialerInterval, 1, false)]
    [InlineData(DialerFields.DialerInterval, 2, true)]
    [InlineData(DialerFields.DialerInterval, 15, true)]
    [InlineData(DialerFields.DialerInterval, 16, false)]
    [InlineData(DialerFields.DialerInterval, 10.5, false)]
    [InlineData(DialerFields.MaxActiveCalls, -1, false)]
    [InlineData(DialerFields.MaxActiveCalls, 0, true)]
    [InlineData(DialerFields.MaxActiveCalls, 10000, true)]
    [InlineData(DialerFields.MaxActiveCalls, 10001, false)]
    [InlineData(DialerFields.MaxNumberCalls, 0, false)]
    [InlineData(DialerFields.MaxNumberCalls, 1, true)]
    [InlineData(DialerFields.MaxNumberCalls, 100, true)]
    [InlineData(DialerFields.MaxNumberCalls, 101, false)]
    [InlineData(DialerFields.MinTimeBetweenCalls, -1, false)]
    [InlineData(DialerFields.MinTimeBetweenCalls, 0, true)]
    [InlineData(DialerFields.MinTimeBetweenCalls, 10080, true)]
    [InlineData(DialerFields.MinTimeBetweenCalls, 10081, false)]
    [InlineData(DialerFields.DupeDays, -2, false)]
    [InlineData(DialerFields.DupeDays, -1, true)]
    [InlineData(DialerFields.DupeDays, 0, true)]
    [InlineData(DialerFields.DupeDays, 3650, true)]
    [InlineData(DialerFields.DupeDays, 3651, false)]
    [InlineData(DialerFields.ExpireDays, 0, false)]
    [InlineData(DialerFields.ExpireDays, 1, true)]
    [InlineData(DialerFields.ExpireDays, 3650, true)]
    [InlineData(DialerFields.ExpireDays, 3651, false)]
    [InlineData(DialerFields.MaxWaitTime, -1, false)]
    [InlineData(DialerFields.MaxWaitTime, 0, true)]
    [InlineData(DialerFields.MaxWaitTime, 3600, true)]
    [InlineData(DialerFields.MaxWaitTime, 3601, false)]
    [InlineData(DialerFields.WrapUpTime, -1, false)]
    [InlineData(DialerFields.WrapUpTime, 0, true)]
    [InlineData(DialerFields.WrapUpTime, 3600, true)]
    [InlineData(DialerFields.WrapUpTime, 3601, false)]
    public void Create_NumericRanges_AreInclusiveAndTheMessageSaysTheRange(string field, double value, bool valid)
    {
        var (settings, errors) = Create(WithNumber(field, value));
        Assert.Equal(valid, settings is not null);
        if (valid)
            return;
        Assert.Equal([field], errors.Keys);
        Assert.Contains(" to ", errors[field]);
    }

    [Fact]
    public void Create_IntegerWithAFraction_SaysSo()
    {
        Assert.Contains("fraction", Create(Named with { DialerInterval = 10.5 }).Errors[DialerFields.DialerInterval]);
        Assert.Equal(12, Create(Named with { DialerInterval = 12.0 }).Settings!.DialerIntervalSeconds);
    }

    [Fact]
    public void Create_NullOnANonNullableField_IsAnErrorThatSaysTheRangeAndTheDefault()
    {
        var (_, errors) = Create(Named with { DialerInterval = DraftValue<double>.Null, Paused = DraftValue<bool>.Null, QueueStrategy = DraftValue<string>.Null });
        Assert.Contains("from 2 to 15", errors[DialerFields.DialerInterval]);
        Assert.Contains("use the default", errors[DialerFields.DialerInterval]);
        Assert.Contains("true or false", errors[DialerFields.Paused]);
        Assert.Contains("round-robin", errors[DialerFields.QueueStrategy]);
    }

    [Theory]
    [InlineData("09:00:00", 9, 0, 0)]
    [InlineData("09:00", 9, 0, 0)]
    [InlineData("08:30:15", 8, 30, 15)]
    [InlineData("00:00:00", 0, 0, 0)]
    public void Create_EarliestProspectTime_AcceptsHoursMinutesAndSeconds(string text, int hour, int minute, int second)
    {
        Assert.Equal(new LocalTime(hour, minute, second), Create(Named with { EarliestProspectTime = text }).Settings!.EarliestProspectTime);
    }

    [Theory]
    [InlineData("25:00:00")]
    [InlineData("24:00:00")]
    [InlineData("9am")]
    [InlineData("09:60")]
    [InlineData("")]
    [InlineData("09:00:00Z")]
    public void Create_BadTime_IsRefusedWithTheFormat(string text)
    {
        Assert.Contains("HH:mm:ss", Create(Named with { LatestProspectTime = text }).Errors[DialerFields.LatestProspectTime]);
    }

    [Theory]
    [InlineData("10:00", "10:00")]
    [InlineData("18:00", "09:00")]
    public void Create_EarliestNotBeforeLatest_IsRefusedOnLatest(string earliest, string latest)
    {
        var errors = Create(Named with { EarliestProspectTime = earliest, LatestProspectTime = latest }).Errors;
        Assert.Contains("after earliest_prospect_time", errors[DialerFields.LatestProspectTime]);
    }

    [Fact]
    public void Create_EarliestAfterDefaultLatest_IsRefusedOnTheFieldTheClientSent()
    {
        var errors = Create(Named with { EarliestProspectTime = "22:00" }).Errors;
        Assert.Contains("before latest_prospect_time (21:00:00)", errors[DialerFields.EarliestProspectTime]);
    }

    [Fact]
    public void Create_IgnoreStates_IsNormalisedUpperCaseWithoutSpacesOrRepeats()
    {
        var settings = Create(Named with { IgnoreStates = " ny , ca,TX ,ny,,PR, on " }).Settings!;
        Assert.Equal("NY,CA,TX,PR,ON", settings.IgnoreStates.ToString());
        Assert.True(settings.IgnoreStates.Contains("tx"));
        Assert.False(settings.IgnoreStates.Contains("NJ"));
        Assert.True(Create(Named with { IgnoreStates = "" }).Settings!.IgnoreStates.IsEmpty);
    }

    [Fact]
    public void Create_IgnoreStatesWithUnknownCodes_NamesEachOne()
    {
        var message = Create(Named with { IgnoreStates = "NY, XX, New York, ZZ" }).Errors[DialerFields.IgnoreStates];
        Assert.Contains("'XX'", message);
        Assert.Contains("'ZZ'", message);
        Assert.Contains("'New York'", message);
        Assert.DoesNotContain("'NY'", message);
    }

    [Fact]
    public void Create_EveryQueueStrategyWireName_RoundTrips()
    {
        foreach (var wire in QueueStrategyNames.All)
        {
            var settings = Create(Named with { QueueStrategy = wire }).Settings!;
            Assert.Equal(wire, settings.QueueStrategy.ToWire());
        }
        Assert.Equal(9, QueueStrategyNames.All.Count);
        Assert.Equal(Enum.GetValues<QueueStrategy>().Length, QueueStrategyNames.All.Count);
    }

    [Theory]
    [InlineData("Round Robin")]
    [InlineData("LONGEST-IDLE-AGENT")]
    [InlineData("fifo")]
    public void Create_UnknownQueueStrategy_ListsTheAllowedNames(string value)
    {
        var message = Create(Named with { QueueStrategy = value }).Errors[DialerFields.QueueStrategy];
        Assert.Contains("ring-progressively", message);
        Assert.Contains("agent-with-least-talk-time", message);
    }

    [Fact]
    public void Create_LocaleName_IsCaseInsensitiveAndOnlyUsca()
    {
        Assert.Equal("USCA", Create(Named with { LocaleName = "usca" }).Settings!.LocaleName);
        var message = Create(Named with { LocaleName = "EU" }).Errors[DialerFields.LocaleName];
        Assert.Contains("'EU' is not supported", message);
        Assert.Contains("USCA (United States and Canada, +1)", message);
    }

    [Theory]
    [InlineData("owner@example.com", true)]
    [InlineData("first.last+tag@mail.example.co.uk", true)]
    [InlineData("owner@example", false)]
    [InlineData("owner example@example.com", false)]
    [InlineData("@example.com", false)]
    [InlineData("a@@example.com", false)]
    [InlineData("a..b@example.com", false)]
    [InlineData("owner@-example.com", false)]
    [InlineData("owner@example.c0m", false)]
    public void Create_Email_MustLookLikeAnAddress(string email, bool valid)
    {
        var (settings, errors) = Create(Named with { Email = email });
        Assert.Equal(valid, settings is not null);
        if (!valid)
            Assert.Contains("at most 254", errors[DialerFields.Email]);
    }

    [Fact]
    public void Create_TooLongReferences_AreRefused()
    {
        var errors = Create(Named with { AgentId = new string('a', 256), Workspace = new string('w', 256), Email = new string('e', 250) + "@x.io" }).Errors;
        Assert.Contains("at most 255", errors[DialerFields.AgentId]);
        Assert.Contains("at most 255", errors[DialerFields.Workspace]);
        Assert.Contains("at most 254", errors[DialerFields.Email]);
    }

    [Fact]
    public void Create_BlankOrNullReferences_AreStoredAsNull()
    {
        var settings = Create(Named with { AgentId = "", Workspace = DraftValue<string>.Null, Email = "  " }).Settings!;
        Assert.Null(settings.AgentId);
        Assert.Null(settings.Workspace);
        Assert.Null(settings.Email);
    }

    [Fact]
    public void Create_FieldTheReaderAlreadyReported_IsNotReportedTwice()
    {
        var errors = new ValidationErrors();
        errors.Add(DialerFields.DialerInterval, DialerFields.WrongTypeMessage(JsonKind.Number));
        Assert.Null(DialerSettingsRules.Create(Named, errors));
        Assert.Equal("must be a JSON number", Assert.Single(errors.All).Message);
    }

    [Fact]
    public void Create_SeveralMistakes_AreAllReported()
    {
        var errors = Create(new DialerSettingsDraft { DialerInterval = 1, CallRatio = 11, QueueStrategy = "x", IgnoreStates = "QQ" }).Errors;
        Assert.Equal(
            new[] { DialerFields.Name, DialerFields.CallRatio, DialerFields.DialerInterval, DialerFields.IgnoreStates, DialerFields.QueueStrategy }.Order(),
            errors.Keys.Order());
    }

    [Fact]
    public void Replace_AbsentFieldsTakeDefaultsAndNameIsRequired()
    {
        var errors = new ValidationErrors();
        var replaced = DialerSettingsRules.Replace(new DialerSettingsDraft { Name = "Renamed", Paused = true }, errors);
        Assert.Empty(errors.All);
        Assert.Equal(Create(Named).Settings! with { Name = "Renamed", Paused = true }, replaced);
        Assert.Null(DialerSettingsRules.Replace(new DialerSettingsDraft { Paused = true }, errors));
        Assert.Contains("required", errors.All.Single(e => e.Field == DialerFields.Name).Message);
    }

    [Fact]
    public void Patch_SeedExample_ChangesOnlyTheFieldsSent()
    {
        var current = Create(Named with { DialerInterval = 5, Email = "owner@example.com", Paused = true }).Settings!;
        var (patched, errors) = Patch(current, new DialerSettingsDraft { CallRatio = 1.5, MaxActiveCalls = 20, Paused = false });
        Assert.Empty(errors);
        Assert.Equal(current with { CallRatio = 1.5, MaxActiveCalls = 20, Paused = false }, patched);
    }

    [Fact]
    public void Patch_EmptyDraft_ChangesNothing()
    {
        var current = Create(Named with { IgnoreStates = "NY" }).Settings!;
        Assert.Equal(current, Patch(current, DialerSettingsDraft.Empty).Settings);
    }

    [Fact]
    public void Patch_NullOnANonNullableField_SaysOmitToKeep()
    {
        var current = Create(Named).Settings!;
        Assert.Contains("keep the current value", Patch(current, new DialerSettingsDraft { Name = DraftValue<string>.Null }).Errors[DialerFields.Name]);
    }

    [Fact]
    public void Patch_NullClearsAnOptionalReference()
    {
        var current = Create(Named with { AgentId = "agent_1" }).Settings!;
        Assert.Null(Patch(current, new DialerSettingsDraft { AgentId = DraftValue<string>.Null }).Settings!.AgentId);
    }

    [Fact]
    public void Patch_CrossFieldRule_IsCheckedOnTheMergedResult()
    {
        var current = Create(Named).Settings!; // 09:00-21:00
        // Earliest alone past the current latest: refused on earliest.
        Assert.Contains("before latest_prospect_time (21:00:00)",
            Patch(current, new DialerSettingsDraft { EarliestProspectTime = "21:30" }).Errors[DialerFields.EarliestProspectTime]);
        // Latest alone before the current earliest: refused on latest.
        Assert.Contains("after earliest_prospect_time (09:00:00)",
            Patch(current, new DialerSettingsDraft { LatestProspectTime = "08:00" }).Errors[DialerFields.LatestProspectTime]);
        // Both moved in one request: valid even though neither alone would be.
        var moved = Patch(current, new DialerSettingsDraft { EarliestProspectTime = "21:30", LatestProspectTime = "23:00" }).Settings!;
        Assert.Equal(new LocalTime(21, 30), moved.EarliestProspectTime);
        // Latest alone, still after the current earliest: valid.
        Assert.Equal(new LocalTime(12, 0), Patch(current, new DialerSettingsDraft { LatestProspectTime = "12:00" }).Settings!.LatestProspectTime);
    }

    [Fact]
    public void DraftValue_DefaultIsAbsentAndANullReferenceIsNull()
    {
        Assert.True(default(DraftValue<string>).IsAbsent);
        Assert.True(DraftValue<string>.Of(null!).IsNull);
        Assert.Equal("x", DraftValue<string>.Of("x").Value);
        Assert.Throws<InvalidOperationException>(() => DraftValue<double>.Null.Value);
    }

    [Fact]
    public void DialerFields_ListEveryDraftPropertyOnce()
    {
        Assert.Equal(typeof(DialerSettingsDraft).GetProperties().Length, DialerFields.All.Count);
        Assert.Equal(DialerFields.All.Count, DialerFields.All.Select(f => f.Name).Distinct().Count());
        Assert.Equal([DialerFields.AgentId, DialerFields.Workspace, DialerFields.Email], DialerFields.All.Where(f => f.Nullable).Select(f => f.Name));
    }
}
