using NodaTime;
using static Campaigns.Domain.Dialer.Holidays.HolidayRule;

namespace Campaigns.Domain.Dialer.Holidays;

/// <summary>
/// The US states that ban telephone solicitation on Sundays and/or legal holidays, with their sources (researched
/// 2025/2026; re-check yearly). The rule followed when a source is unclear: when in doubt, don't dial. A day
/// restricted here that the law does not restrict only costs one day of calls to one state; the reverse is a
/// violation. Each state's <see cref="StateRestriction.Note"/> says what is certain and what is conservative.
/// </summary>
/// <remarks>
/// Considered and deliberately NOT listed, because their laws restrict hours but not days: Oklahoma (Telephone
/// Solicitation Act of 2022, 15 O.S. 775C.4: 8 a.m. to 8 p.m. and three calls per 24 hours), Massachusetts
/// (201 CMR 12.02(2): 8 a.m. to 8 p.m.), Florida (Fla. Stat. 501.616: 8 a.m. to 8 p.m.). Nebraska (Neb. Admin. Code
/// tit. 291 ch. 11 § 3) limits only prerecorded messages on Sundays and holidays to 1 p.m. to 9 p.m.; it bans no
/// day, so it is not listed (a prerecorded-message campaign must apply that separately).
/// </remarks>
public static class TelemarketingHolidayData
{
    private static readonly HolidayRule NewYear = Fixed("New Year's Day", 1, 1);
    private static readonly HolidayRule MartinLutherKing = Nth("Martin Luther King Jr. Day", 1, IsoDayOfWeek.Monday, 3);
    private static readonly HolidayRule Presidents = Nth("Washington's Birthday (Presidents' Day)", 2, IsoDayOfWeek.Monday, 3);
    private static readonly HolidayRule GoodFriday = FromEaster("Good Friday", -2);
    private static readonly HolidayRule MardiGras = FromEaster("Mardi Gras", -47);
    private static readonly HolidayRule Memorial = Nth("Memorial Day", 5, IsoDayOfWeek.Monday, -1);
    private static readonly HolidayRule Juneteenth = Fixed("Juneteenth", 6, 19);
    private static readonly HolidayRule Independence = Fixed("Independence Day", 7, 4);
    private static readonly HolidayRule Labor = Nth("Labor Day", 9, IsoDayOfWeek.Monday, 1);
    private static readonly HolidayRule Columbus = Nth("Columbus Day", 10, IsoDayOfWeek.Monday, 2);
    private static readonly HolidayRule Veterans = Fixed("Veterans Day", 11, 11);
    private static readonly HolidayRule Thanksgiving = Nth("Thanksgiving Day", 11, IsoDayOfWeek.Thursday, 4);
    private static readonly HolidayRule Christmas = Fixed("Christmas Day", 12, 25);

    /// <summary>Every state with a day restriction, in code order.</summary>
    public static IReadOnlyList<StateRestriction> States { get; } =
    [
        new("AL", Sundays: true,
            [
                NewYear,
                Nth("Martin Luther King Jr. / Robert E. Lee Day", 1, IsoDayOfWeek.Monday, 3),
                Nth("George Washington / Thomas Jefferson Day", 2, IsoDayOfWeek.Monday, 3),
                FromEaster("Mardi Gras (Baldwin and Mobile counties)", -47),
                Nth("Confederate Memorial Day", 4, IsoDayOfWeek.Monday, 4),
                Memorial,
                Nth("Jefferson Davis' Birthday", 6, IsoDayOfWeek.Monday, 1),
                Independence,
                Labor,
                Nth("Columbus Day / Fraternal Day / American Indian Heritage Day", 10, IsoDayOfWeek.Monday, 2),
                Veterans,
                Thanksgiving,
                Fixed("Rosa L. Parks Day", 12, 1),
                Christmas,
            ],
            "Ala. Admin. Code r. 770-X-5-.17(1)(b) (\"No solicitation calls are allowed on Sundays or holidays\"); holidays: Ala. Code § 1-3-8",
            Confidence.High,
            "Rule text read (it governs automated solicitation calls, which an AI voice agent's are). Weekend shift per "
            + "§ 1-3-8(a): Saturday to Friday, Sunday to Monday. Conservative: Mardi Gras is a legal holiday only in Baldwin "
            + "and Mobile counties but is applied statewide (a number does not tell its county); Rosa Parks Day (1 Dec) is "
            + "listed by DNC.com's restricted-date calendar though state offices stay open. Juneteenth, given to state "
            + "employees by governor's proclamation, is not in § 1-3-8 and is not modelled."),

        new("LA", Sundays: true,
            [
                NewYear,
                Fixed("Battle of New Orleans", 1, 8),
                MartinLutherKing,
                Fixed("Robert E. Lee Day", 1, 19),
                Presidents,
                MardiGras,
                GoodFriday,
                Memorial,
                Fixed("Confederate Memorial Day", 6, 3),
                Independence,
                Labor,
                Columbus,
                Fixed("All Saints' Day", 11, 1),
                Veterans,
                Thanksgiving,
                Christmas,
            ],
            "La. Pub. Serv. Comm'n Gen. Order R-29617 § V(A)(2) (no calls on Sunday or legal holidays); La. R.S. 45:811(3) "
            + "(automatic dialers: no use on state holidays or Sundays); holidays: La. R.S. 1:55",
            Confidence.Medium,
            "The Sunday and holiday ban is confirmed. The PSC enforces a subset of the R.S. 1:55 holidays (ClickPoint, "
            + "DNC.com say Washington's Birthday is statutory but not enforced); this list is the conservative union of the "
            + "statutory days compliance calendars name (incl. 8 Jan, 19 Jan, 3 Jun as \"statutory\"). Fixed dates use the "
            + "federal weekend shift, unconfirmed for Louisiana. Not modelled: governor-proclaimed days (e.g. 3 Jul 2023, "
            + "24/26/31 Dec in some years), Huey P. Long Day, parish-only days, and the total ban during a declared state of "
            + "emergency (La. R.S. 45:844.31): those need an operator to pause or ignore LA."),

        new("MS", Sundays: true,
            [],
            "Miss. Code Ann. § 77-3-723(1) (\"No telephone solicitations may be made on a Sunday\"); § 77-3-603(a)",
            Confidence.High,
            "Sundays only. The former ban on legal holidays was a Public Service Commission rule (39 Miss. Admin. Code "
            + "Pt. 1, R. 1:28), repealed after HB 1225 (2023) moved enforcement to the Attorney General; the AG's consumer "
            + "protection division confirmed holidays are no longer restricted (DNC.com, 3 June 2024; Drop Cowboy's table, "
            + "Nov 2025). Holidays are therefore not restricted for MS."),

        new("PA", Sundays: false,
            [
                NewYear,
                MartinLutherKing,
                Presidents,
                GoodFriday,
                Memorial,
                Fixed("Flag Day", 6, 14),
                Independence,
                Labor,
                Columbus,
                ElectionDay("Election Day", evenYearsOnly: false),
                Veterans,
                Thanksgiving,
                Christmas,
            ],
            "73 P.S. § 2245(a)(10) (Telemarketer Registration Act, as amended by Act 73 of 2019, eff. 3 Dec 2019: no "
            + "telephone solicitation calls on legal holidays); holidays: 44 P.S. § 11",
            Confidence.Medium,
            "The holiday ban is confirmed (Act 73 of 2019, PA Office of Attorney General). The day list follows the "
            + "compliance summaries of 44 P.S. § 11; Election Day is applied every November (Pennsylvania votes every "
            + "year). The statute shifts only Sunday holidays to Monday; the Saturday-to-Friday shift is added "
            + "conservatively. Sundays are not restricted for telemarketing in PA."),

        new("RI", Sundays: true,
            [
                Fixed("New Year's Day", 1, 1, Observance.Federal | Observance.SaturdayToMonday),
                MartinLutherKing,
                Presidents,
                Fixed("Rhode Island Independence Day", 5, 4, Observance.SundayToMonday),
                Memorial,
                Juneteenth,
                Fixed("Independence Day", 7, 4, Observance.Federal | Observance.SaturdayToMonday),
                Nth("Victory Day", 8, IsoDayOfWeek.Monday, 2),
                Labor,
                Columbus,
                ElectionDay("Election Day", evenYearsOnly: true),
                Fixed("Veterans Day", 11, 11, Observance.Federal | Observance.SaturdayToMonday),
                Thanksgiving,
                Fixed("Christmas Day", 12, 25, Observance.Federal | Observance.SaturdayToMonday),
            ],
            "R.I. Gen. Laws § 5-61-3.6 with § 5-61-2 (\"hours of operation\": Monday to Friday except a state or federal "
            + "holiday, 9 a.m. to 6 p.m.; Saturday 10 a.m. to 5 p.m.); holidays: R.I. Gen. Laws § 25-1-1 and 5 U.S.C. 6103",
            Confidence.High,
            "Statute text read: Sundays are outside the hours of operation, and both state and federal holidays are "
            + "excluded, so the list is the union. New Year's, Independence, Veterans and Christmas Day on a Saturday are "
            + "observed by the state on the following Monday (§ 25-1-1) and by the federal government on the Friday "
            + "before: both days are restricted. Election Day is a state holiday in general-election (even) years."),

        new("UT", Sundays: true,
            [
                NewYear,
                MartinLutherKing,
                Nth("Washington and Lincoln Day (Presidents' Day)", 2, IsoDayOfWeek.Monday, 3),
                GoodFriday,
                Memorial,
                Fixed("Juneteenth National Freedom Day", 6, 19,
                    Observance.WeekdayToPrecedingMonday | Observance.SaturdayToMonday | Observance.SundayToMonday),
                Independence,
                Fixed("Pioneer Day", 7, 24),
                Labor,
                Columbus,
                Veterans,
                Thanksgiving,
                Christmas,
            ],
            "Utah Code § 13-25a-103(3)(b)-(c) (no telephone solicitation without prior express consent on a Sunday or a "
            + "legal holiday); holidays: Utah Code § 63G-1-301",
            Confidence.High,
            "Statute text read. Weekend shift per § 63G-1-301(2): Saturday to Friday, Sunday to Monday; Juneteenth is "
            + "observed on the Monday before when it falls Tuesday to Friday and on the Monday after when on a weekend "
            + "(both that Monday and 19 June are restricted). Good Friday appears in the 2026 amendment of § 63G-1-301 "
            + "(\"subject to Subsection (6)\", not seen) and is applied every year conservatively. Days the governor or the "
            + "President proclaims are not modelled."),
    ];
}
