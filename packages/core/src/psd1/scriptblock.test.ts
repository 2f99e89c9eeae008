import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { STANDIN_BINDINGS } from '../__tests__/mapping-standins';
import { printExpr } from '../automap/jsonata-text';
import { translateScriptBlock, Untranslatable } from './scriptblock';

// $entraDate comes from the mapping-helper library written in parallel; evaluation here uses the
// trivial stand-in from src/__tests__/mapping-standins.ts and the assertions are on the generated text.

const text = (body: string): string => printExpr(translateScriptBlock(body).expr);
const run = async (body: string, row: Record<string, unknown>): Promise<unknown> =>
  jsonata(text(body)).evaluate(row, STANDIN_BINDINGS);
const reason = (body: string): string => {
  try {
    translateScriptBlock(body);
  } catch (err) {
    if (err instanceof Untranslatable) return err.message;
    throw err;
  }
  throw new Error(`expected ${body} to be untranslatable, got ${text(body)}`);
};

describe('translateScriptBlock', () => {
  it('translates the forms CSV2SCIM mappings use', () => {
    const cases: [string, string][] = [
      [" 'work' ", "'work'"],
      [' "work" ', "'work'"],
      [' $true ', 'true'],
      [' 42 ', '42'],
      [" $_.'WorkerStatus' -eq 'Active' ", "$lowercase(WorkerStatus) = 'active'"],
      [' $_.WorkerStatus -eq "Active" ', "$lowercase(WorkerStatus) = 'active'"],
      [" $PSItem.'Worker Status' -ceq 'Active' ", "`Worker Status` = 'Active'"],
      [" $_.'WorkerStatus' -ne 'Terminated' ", "$not($lowercase(WorkerStatus) = 'terminated')"],
      [' $_.OnLeave -eq $true ', "$lowercase(OnLeave) = 'true'"],
      [' $_.Level -eq 3 ', "Level = '3'"],
      [" 'Active' -eq $_.Status ", "$lowercase(Status) = 'active'"],
      [" $_.EndDate -eq '' ", '$not($exists(EndDate))'],
      [" $_.EndDate -ne '' ", '$exists(EndDate)'],
      [" $_.Status -eq 'Active' -and $_.OnLeave -eq 'False' ", "$lowercase(Status) = 'active' and $lowercase(OnLeave) = 'false'"],
      // PowerShell runs -or and -and left to right at one precedence; JSONata needs the parentheses.
      [" $_.A -eq 'x' -or $_.B -eq 'y' -and $_.C -eq 'z' ", "($lowercase(A) = 'x' or $lowercase(B) = 'y') and $lowercase(C) = 'z'"],
      [" -not ($_.Status -eq 'Inactive') ", "$not($lowercase(Status) = 'inactive')"],
      [' !$_.EndDate ', '$not($exists(EndDate))'],
      [" $_.'FirstName' + ' ' + $_.'LastName' ", "FirstName & ' ' & LastName"],
      [" $_.'X'.ToLower() ", '$lowercase(X)'],
      [' $_.X.ToUpperInvariant() ', '$uppercase(X)'],
      [" $_.'First Name'.Trim() ", '$trim(`First Name`)'],
      [' $_.X.TrimEnd() ', "$replace(X, /\\s+$/, '')"],
      [" ($_.FirstName.Substring(0, 1) + $_.LastName).ToLower() + '@contoso.com' ", "$lowercase($substring(FirstName, 0, 1) & LastName) & '@contoso.com'"],
      [" $_.Phone.Replace(' ', '') ", "$replace(Phone, ' ', '')"],
      [" $_.X.ToLower() -eq 'yes' ", "$lowercase(X) = 'yes'"],
      [" ([datetime]$_.'HireDate').ToString('yyyy-MM-ddTHH:mm:ssZ') ", '$entraDate(HireDate)'],
      [" ([datetime]::Parse($_.HireDate)).ToString(\"yyyy-MM-dd'T'HH:mm:ss'Z'\") ", '$entraDate(HireDate)'],
      [" [datetime]::ParseExact($_.HireDate, 'dd/MM/yyyy', $null).ToString('o') ", "$entraDate(HireDate, 'dd/MM/yyyy')"],
      [" [datetime]::ParseExact($_.Start, 'M/d/yyyy', [cultureinfo]::InvariantCulture).ToString('yyyy-MM-dd') ", "$entraDate(Start, 'M/d/yyyy')"],
      [" (Get-Date $_.HireDate).ToString('s') ", '$entraDate(HireDate)'],
      [" Get-Date $_.HireDate -Format 'yyyy-MM-ddTHH:mm:ssZ' ", '$entraDate(HireDate)'],
      [' [datetime]$_.HireDate ', '$entraDate(HireDate)'],
      [
        " if ($_.WorkerType -eq 'Contractor') { 'External' } elseif ($_.WorkerType -eq 'Intern') { 'Intern' } else { 'Employee' } ",
        "$lowercase(WorkerType) = 'contractor' ? 'External' : ($lowercase(WorkerType) = 'intern' ? 'Intern' : 'Employee')",
      ],
      ["\n  # a comment\n  return 'work'\n", "'work'"],
      [" $_.Title + \" (\" + $_.Dept + ')' ", "Title & ' (' & Dept & ')'"],
      [" 'It''s' ", '"It\'s"'],
    ];
    for (const [body, expected] of cases) expect(text(body), body).toBe(expected);
  });

  it('keeps PowerShell\'s results on real rows, including empty cells (absent from the row)', async () => {
    const status = " $_.'WorkerStatus' -eq 'Active' ";
    expect(await run(status, { WorkerStatus: 'Active' })).toBe(true);
    expect(await run(status, { WorkerStatus: 'ACTIVE' })).toBe(true);
    expect(await run(status, { WorkerStatus: 'Inactive' })).toBe(false);
    expect(await run(status, {})).toBe(false);
    const notTerminated = " $_.Status -ne 'Terminated' ";
    expect(await run(notTerminated, {})).toBe(true);
    expect(await run(notTerminated, { Status: 'terminated' })).toBe(false);
    expect(await run(" $_.First + ' ' + $_.Last ", { First: 'Ann' })).toBe('Ann ');
    expect(await run(' -not $_.EndDate ', {})).toBe(true);
    expect(await run(' -not $_.EndDate ', { EndDate: '2024-01-01' })).toBe(false);
    expect(await run(" -not $_.A.Trim() ", { A: 'x' })).toBe(false);
    expect(await run(" -not $_.A.Trim() ", {})).toBe(true);
    expect(await run(" [datetime]::ParseExact($_.D, 'dd/MM/yyyy', $null).ToString('o') ", { D: '25/12/2020' })).toBe('2020-12-25T00:00:00Z');
  });

  it('reports what it does not translate, in words', () => {
    expect(reason(" $_.Name -match '^A' ")).toBe('it uses -match, which the importer does not translate');
    expect(reason(" $_.Name -like 'A*' ")).toBe('it uses -like, which the importer does not translate');
    expect(reason(' $_.Name.Split(",") ')).toBe('it calls the method .Split(), which the importer does not translate');
    expect(reason(' $_.Name.Split(",")[0] ')).toBe('it indexes into a value with [ ]');
    expect(reason(" $_ | Select-Object -ExpandProperty Name ")).toBe('it uses a pipeline (|)');
    expect(reason(' $x = 1; $x ')).toBe('it assigns a variable');
    expect(reason(' $Domain ')).toBe('it uses the variable $Domain, which only exists inside a PowerShell session');
    expect(reason(" 'a'; 'b' ")).toBe('it runs more than one statement');
    expect(reason(' $_.Age -gt 18 ')).toBe('it uses -gt, which the importer does not translate');
    expect(reason(" ([datetime]$_.D).ToString('dd/MM/yyyy') ")).toBe(
      "it formats a date as 'dd/MM/yyyy', which is not the ISO 8601 form Entra takes",
    );
    expect(reason(' ([datetime]$_.D).AddDays(1) ')).toBe(
      "it uses .AddDays on a date; only .ToString('yyyy-MM-ddTHH:mm:ssZ') is translated",
    );
    expect(reason(" [datetime]::ParseExact($_.D, 'dd-MMM-yy', $null).ToString('o') ")).toBe(
      "it reads dates in the format 'dd-MMM-yy'; only day, month, four-digit year and time parts (d, dd, M, MM, yyyy, H, HH, mm, ss) are translated",
    );
    expect(reason(' [bool]$_.Active ')).toBe("it converts with [bool], which turns any non-empty text, even 'False', into true");
    expect(reason(' "$($_.First) $($_.Last)" ')).toBe('the text "$($_.First) $($_.Last)" would have variables expanded by PowerShell');
    expect(reason(' $_.A -eq $_.B ')).toBe('it compares two columns with each other');
    expect(reason(' $_.A -eq $null ')).toBe('it uses $null');
    expect(reason(' Get-ADUser $_.Id ')).toBe('it runs the command Get-ADUser');
    expect(reason(' 1 + 2 ')).toBe('it adds numbers with +');
    expect(reason('   ')).toBe('the script block is empty');
    expect(reason(" $_.A -eq 'x' -eq 'y' ")).toBe('it chains comparisons');
    expect(reason(' $_ ')).toBe('it uses the whole row ($_) rather than one of its columns');
  });
});
