using Campaigns.Domain.Dialer;
using Campaigns.Domain.Prospects;

namespace Campaigns.Domain.Tests.Prospects;

public sealed class ProspectRowTests
{
    private static ProspectRowResult Parse(params (string Header, string? Value)[] cells) =>
        ProspectRow.Parse(cells.Select(c => new KeyValuePair<string, string?>(c.Header, c.Value)), "USCA", lineNumber: 7);

    private static Prospect Valid(params (string Header, string? Value)[] cells) =>
        Assert.IsType<ProspectRowResult.Valid>(Parse(cells)).Prospect;

    private static ProspectRowResult.Invalid Invalid(params (string Header, string? Value)[] cells) =>
        Assert.IsType<ProspectRowResult.Invalid>(Parse(cells));

    [Fact]
    public void Parse_SeedExample_IsValid()
    {
        var prospect = Valid(("primary_phone", "+14155551234"), ("first_name", "John"), ("last_name", "Smith"));
        Assert.Equal("+14155551234", prospect.Phone.E164);
        Assert.Equal(("John", "Smith"), (prospect.FirstName, prospect.LastName));
        Assert.Null(prospect.State);
        Assert.Null(prospect.TimeZone);
        Assert.Empty(prospect.CustomFields);
    }

    [Theory]
    [InlineData("+14155551234")]
    [InlineData("14155551234")]
    [InlineData("4155551234")]
    [InlineData("(415) 555-1234")]
    [InlineData("415.555.1234")]
    [InlineData("+1 (415) 555-1234")]
    [InlineData("1-415-555-1234")]
    [InlineData(" 415 555 1234 ")]
    public void Parse_UsPhoneForms_BecomeE164(string raw)
    {
        Assert.Equal("+14155551234", Valid(("primary_phone", raw)).Phone.E164);
    }

    [Theory]
    [InlineData("", "required")]
    [InlineData(null, "required")]
    [InlineData("415-555-123", "10-digit")]
    [InlineData("+1 415 555 12345", "10 digits after +1")]
    [InlineData("+44 20 7946 0958", "only +1 numbers")]
    [InlineData("415-555-1234 ext 9", "only digits")]
    [InlineData("4155551234x", "only digits")]
    [InlineData("21415555123", "10-digit")]
    [InlineData("+1 123 555 1234", "not a valid phone number")] // area codes never start with 1
    [InlineData("+1 876 555 0123", "belongs to JM")] // Jamaica shares +1 but is not USCA
    public void Parse_BadPhone_IsInvalidWithAReason(string? raw, string reason)
    {
        var invalid = Invalid(("primary_phone", raw), ("first_name", "Ann"));
        Assert.Equal(7, invalid.LineNumber);
        Assert.Equal("primary_phone", invalid.Field);
        Assert.Contains(reason, invalid.Reason);
    }

    [Fact]
    public void Parse_NoPhoneColumn_IsInvalid()
    {
        Assert.Equal("primary_phone", Invalid(("first_name", "Ann")).Field);
    }

    [Theory]
    [InlineData("+1 416 555 0123")] // Ontario
    [InlineData("+1 787 555 0123")] // Puerto Rico
    public void Parse_CanadianAndTerritoryNumbers_AreUsca(string raw)
    {
        Assert.StartsWith("+1", Valid(("primary_phone", raw)).Phone.E164);
    }

    [Theory]
    [InlineData("ny", "NY")]
    [InlineData("NY", "NY")]
    [InlineData(" New York ", "NY")]
    [InlineData("new  york", "NY")]
    [InlineData("District of Columbia", "DC")]
    [InlineData("Washington D.C.", "DC")]
    [InlineData("Québec", "QC")]
    [InlineData("on", "ON")]
    [InlineData("Puerto Rico", "PR")]
    public void Parse_State_IsACodeOrAFullName(string raw, string code)
    {
        Assert.Equal(code, Valid(("primary_phone", "4155551234"), ("state", raw)).State);
    }

    [Theory]
    [InlineData("XX")]
    [InlineData("N.Y.")]
    [InlineData("Californa")]
    [InlineData("Canada")]
    public void Parse_UnknownState_IsInvalidRatherThanGuessed(string raw)
    {
        var invalid = Invalid(("primary_phone", "4155551234"), ("state", raw));
        Assert.Equal("state", invalid.Field);
        Assert.Contains("two-letter code", invalid.Reason);
    }

    [Fact]
    public void Parse_BlankStateAndZone_AreUnknown()
    {
        var prospect = Valid(("primary_phone", "4155551234"), ("state", "  "), ("timezone", ""));
        Assert.Null(prospect.State);
        Assert.Null(prospect.TimeZone);
    }

    [Theory]
    [InlineData("America/New_York", true)]
    [InlineData("US/Eastern", true)] // a TZDB alias
    [InlineData("EST5EDT", true)]
    [InlineData("Eastern", false)]
    [InlineData("america/new_york", false)]
    [InlineData("GMT-5", false)]
    public void Parse_TimeZone_MustBeAnIanaId(string zone, bool valid)
    {
        var result = Parse(("primary_phone", "4155551234"), ("timezone", zone));
        if (valid)
            Assert.Equal(zone, Assert.IsType<ProspectRowResult.Valid>(result).Prospect.TimeZone);
        else
            Assert.Equal("timezone", Assert.IsType<ProspectRowResult.Invalid>(result).Field);
    }

    [Fact]
    public void Parse_OtherColumns_AreCustomFieldsInColumnOrder()
    {
        var prospect = Valid(("loan_id", "L-77"), ("Primary_Phone ", "4155551234"), ("amount", "1,200.50"), ("", "dropped"), (" notes ", null));
        Assert.Equal([new ProspectField("loan_id", "L-77"), new ProspectField("amount", "1,200.50"), new ProspectField("notes", "")], prospect.CustomFields);
    }

    [Fact]
    public void Parse_Names_AreTrimmedBlankIsNullAndLengthIsCapped()
    {
        var prospect = Valid(("primary_phone", "4155551234"), ("first_name", "  Priya "), ("last_name", "   "));
        Assert.Equal("Priya", prospect.FirstName);
        Assert.Null(prospect.LastName);
        var invalid = Invalid(("primary_phone", "4155551234"), ("last_name", new string('x', 256)));
        Assert.Equal("last_name", invalid.Field);
        Assert.Contains("at most 255", invalid.Reason);
    }

    [Fact]
    public void Parse_SeveralProblems_ReportsThePhoneFirst()
    {
        Assert.Equal("primary_phone", Invalid(("primary_phone", "12"), ("state", "XX"), ("timezone", "Mars/Base")).Field);
        Assert.Equal("state", Invalid(("primary_phone", "4155551234"), ("state", "XX"), ("timezone", "Mars/Base")).Field);
    }

    [Fact]
    public void Parse_UnsupportedLocale_IsAProgrammingError()
    {
        Assert.Throws<ArgumentException>(() => ProspectRow.Parse([new("primary_phone", "4155551234")], "EU", 2));
    }

    [Fact]
    public void TryNormalise_IsTheSameRuleForTheSingleProspectForm()
    {
        Assert.True(ProspectPhone.TryNormalise("(212) 555-0123", DialerLocale.Usca, out var number, out _));
        Assert.Equal("+12125550123", number.E164);
    }
}
