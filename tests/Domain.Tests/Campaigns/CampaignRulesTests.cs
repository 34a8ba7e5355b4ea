using Campaigns.Domain.Campaigns;
using Campaigns.Domain.Contacts;
using Campaigns.Domain.Validation;

namespace Campaigns.Domain.Tests.Campaigns;

public sealed class CampaignRulesTests
{
    private static ContactDraft Contact(string phone, string name = "Priya", CustomFields? fields = null, string? timezone = null) =>
        new(phone, name, timezone, fields ?? CustomFields.None);

    private static CampaignDraft Draft(
        string? name = "Loans", string? scriptId = "scr_1", string? language = "hi-IN", IReadOnlyList<ContactDraft>? contacts = null,
        ScheduleDraft? schedule = null, int? maxAttempts = null, int? retry = null) =>
        new(name, scriptId, language, contacts ?? [Contact("+919876543210")], schedule, maxAttempts, retry);

    private static (CampaignSpec? Spec, Dictionary<string, string> Errors) Validate(CampaignDraft draft)
    {
        var errors = new ValidationErrors();
        var spec = CampaignRules.Validate(draft, errors);
        return (spec, errors.All.ToDictionary(e => e.Field, e => e.Message));
    }

    [Fact]
    public void Validate_MinimalDraft_AppliesDefaults()
    {
        var (spec, errors) = Validate(Draft());
        Assert.Empty(errors);
        Assert.Equal(1, spec!.MaxAttempts);
        Assert.Equal(240, spec.RetryIntervalMinutes);
        Assert.Null(spec.Schedule);
        Assert.Equal("+919876543210", spec.Contacts.Single().Phone.E164);
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(5, true)]
    [InlineData(6, false)]
    public void Validate_MaxAttempts_IsOneToFive(int value, bool valid)
    {
        var (_, errors) = Validate(Draft(maxAttempts: value));
        Assert.Equal(!valid, errors.ContainsKey("max_attempts"));
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(10080, true)]
    [InlineData(10081, false)]
    public void Validate_RetryInterval_IsOneMinuteToSevenDays(int value, bool valid)
    {
        var (_, errors) = Validate(Draft(retry: value));
        Assert.Equal(!valid, errors.ContainsKey("retry_interval_minutes"));
    }

    [Fact]
    public void Validate_NameOf255Emoji_IsAcceptedBecauseLengthCountsCharacters()
    {
        Assert.Empty(Validate(Draft(name: string.Concat(Enumerable.Repeat("🙂", 255)))).Errors);
        Assert.Contains("at most 255", Validate(Draft(name: string.Concat(Enumerable.Repeat("🙂", 256)))).Errors["name"]);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Validate_BlankRequiredText_IsRequired(string? value)
    {
        var (_, errors) = Validate(Draft(name: value, scriptId: value));
        Assert.Contains("required", errors["name"]);
        Assert.Contains("required", errors["script_id"]);
    }

    [Fact]
    public void Validate_NoContacts_IsAnError()
    {
        Assert.Contains("at least one", Validate(Draft(contacts: [])).Errors["contacts"]);
        Assert.Contains("required", Validate(Draft() with { Contacts = null }).Errors["contacts"]);
    }

    [Fact]
    public void Validate_RepeatedPhone_IsRejectedNamingTheFirstOccurrence()
    {
        var (spec, errors) = Validate(Draft(contacts: [Contact("+919876543210"), Contact("+918765432109"), Contact("+919876543210", "Again")]));
        Assert.Null(spec);
        Assert.Equal("repeats contacts[0].phone (+919876543210); each number may appear once in a campaign", errors["contacts[2].phone"]);
    }

    [Fact]
    public void Validate_EveryWrongContact_IsReportedByIndex()
    {
        var (_, errors) = Validate(Draft(contacts: [Contact("+919876543210"), Contact("919876543210"), Contact("+14155551234", name: "")]));
        Assert.Equal(["contacts[1].phone", "contacts[2].name"], errors.Keys.Order());
    }

    [Fact]
    public void Validate_TypeErrorAlreadyReported_IsNotReportedTwice()
    {
        var errors = new ValidationErrors();
        errors.Add("name", "must be a string, not a number");
        CampaignRules.Validate(Draft(name: null), errors);
        Assert.Single(errors.All, e => e.Field == "name");
    }

    [Fact]
    public void Validate_TooManyCustomFieldCharacters_IsRejected()
    {
        var big = new CustomFields([new("notes", "\"" + new string('x', 9000) + "\"")]);
        var (_, errors) = Validate(Draft(contacts: [Contact("+919876543210", fields: big)]));
        Assert.Contains("at most 8192", errors["contacts[0]"]);
    }

    [Fact]
    public void Validate_ContactTimezone_MustBeIana()
    {
        Assert.Contains("IANA", Validate(Draft(contacts: [Contact("+919876543210", timezone: "IST")])).Errors["contacts[0].timezone"]);
        Assert.Empty(Validate(Draft(contacts: [Contact("+919876543210", timezone: "Asia/Kolkata")])).Errors);
    }

    [Fact]
    public void Validate_Schedule_IsCheckedWithItsPaths()
    {
        var (_, errors) = Validate(Draft(schedule: new ScheduleDraft("2024-02-01T18:00:00", "2024-02-01T09:00:00", "Asia/Kolkata")));
        Assert.Equal("must be after start_time", errors["schedule.end_time"]);
    }
}
