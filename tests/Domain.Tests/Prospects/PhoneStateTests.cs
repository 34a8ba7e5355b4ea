using Campaigns.Domain.Contacts;
using Campaigns.Domain.Prospects;

namespace Campaigns.Domain.Tests.Prospects;

public sealed class PhoneStateTests
{
    [Theory]
    [InlineData("+14155551234", "CA")] // "San Francisco, CA"
    [InlineData("+12125551234", "NY")] // "New York, NY"
    [InlineData("+18015550123", "UT")] // "Windsor North, Orem, UT"
    [InlineData("+12015550123", "NJ")] // "New Jersey"
    [InlineData("+12055550123", "AL")] // "Alabama"
    [InlineData("+15045550123", "LA")] // "Louisiana"
    [InlineData("+12025550123", "DC")] // "Washington D.C."
    [InlineData("+17875550123", "PR")] // "Puerto Rico"
    [InlineData("+13405550123", "VI")] // "U.S. Virgin Islands"
    [InlineData("+14165550123", "ON")] // "Ontario"
    [InlineData("+15145550123", "QC")] // "Quebec"
    [InlineData("+16045550123", "BC")] // "British Columbia"
    public void Of_KnownAreaCodes_GiveTheirState(string e164, string code)
    {
        Assert.Equal(code, PhoneState.Of(PhoneNumber.Parse(e164)));
    }

    [Theory]
    [InlineData("+18005550123")] // toll-free: no place
    [InlineData("+19025550123")] // "Nova Scotia/Prince Edward Island": two provinces
    [InlineData("+18675550123")] // "Northwest Territories/Nunavut/Yukon"
    [InlineData("+919876543210")] // not +1
    public void Of_NoSinglePlace_IsNull(string e164)
    {
        Assert.Null(PhoneState.Of(PhoneNumber.Parse(e164)));
    }

    [Theory]
    [InlineData("Springfield, IL", "IL")]
    [InlineData("Saint John, New Brunswick", "NB")]
    [InlineData("Texas", "TX")]
    [InlineData("United States", null)]
    [InlineData("Somewhere, ZZ", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void FromDescription_ReadsACodeAfterTheLastCommaOrAName(string? description, string? code)
    {
        Assert.Equal(code, PhoneState.FromDescription(description));
    }
}
