/**
 * Closed-form costs in the per-group channel widths c_g. Every cost of the resource model
 * (bytes, MACs, work) is a sum of terms coef · L(c) · R(c) where L and R are linear forms
 * constant + Σ a_g·c_g. That keeps values and analytic gradients exact and cheap.
 */

/** constant + Σ coefs[i] · c[groups[i]]. */
export interface LinearForm {
  readonly constant: number;
  readonly groups: readonly number[];
  readonly coefs: readonly number[];
}

/** coef · left(c) · right(c); right omitted means 1. */
export interface ProductTerm {
  readonly coef: number;
  readonly left: LinearForm;
  readonly right?: LinearForm;
}

export type CostPolynomial = readonly ProductTerm[];

export function constantForm(value: number): LinearForm {
  return { constant: value, groups: [], coefs: [] };
}

/** scale · Σ c_g over the given groups (a group listed twice counts twice). */
export function channelSum(groups: readonly number[], scale = 1): LinearForm {
  return { constant: 0, groups: [...groups], coefs: groups.map(() => scale) };
}

export function term(coef: number, left: LinearForm, right?: LinearForm): ProductTerm {
  return right === undefined ? { coef, left } : { coef, left, right };
}

export function evaluateForm(form: LinearForm, widths: ArrayLike<number>): number {
  let value = form.constant;
  for (let i = 0; i < form.groups.length; i++) value += form.coefs[i] * widths[form.groups[i]];
  return value;
}

/**
 * The polynomials flattened into typed arrays, for the per-training-step evaluation.
 * Quantity q is Σ over its terms; forms are evaluated once per call and shared.
 */
export class CompiledPolynomials {
  readonly quantityCount: number;
  private readonly formConstant: Float64Array;
  private readonly formStart: Int32Array;
  private readonly formGroup: Int32Array;
  private readonly formCoef: Float64Array;
  private readonly termStart: Int32Array;
  private readonly termCoef: Float64Array;
  private readonly termLeft: Int32Array;
  private readonly termRight: Int32Array;
  private readonly formValues: Float64Array;

  constructor(quantities: readonly CostPolynomial[]) {
    const forms: LinearForm[] = [];
    const formIndex = new Map<LinearForm, number>();
    const indexOf = (f: LinearForm): number => {
      let i = formIndex.get(f);
      if (i === undefined) {
        i = forms.length;
        forms.push(f);
        formIndex.set(f, i);
      }
      return i;
    };
    const terms = quantities.flat();
    this.quantityCount = quantities.length;
    this.termStart = new Int32Array(quantities.length + 1);
    this.termCoef = new Float64Array(terms.length);
    this.termLeft = new Int32Array(terms.length);
    this.termRight = new Int32Array(terms.length);
    let k = 0;
    quantities.forEach((poly, q) => {
      this.termStart[q] = k;
      for (const t of poly) {
        this.termCoef[k] = t.coef;
        this.termLeft[k] = indexOf(t.left);
        this.termRight[k] = t.right === undefined ? -1 : indexOf(t.right);
        k++;
      }
    });
    this.termStart[quantities.length] = k;
    const entries = forms.reduce((n, f) => n + f.groups.length, 0);
    this.formConstant = new Float64Array(forms.map((f) => f.constant));
    this.formStart = new Int32Array(forms.length + 1);
    this.formGroup = new Int32Array(entries);
    this.formCoef = new Float64Array(entries);
    let e = 0;
    forms.forEach((f, i) => {
      this.formStart[i] = e;
      f.groups.forEach((g, j) => {
        this.formGroup[e] = g;
        this.formCoef[e] = f.coefs[j];
        e++;
      });
    });
    this.formStart[forms.length] = e;
    this.formValues = new Float64Array(forms.length);
  }

  /** Values of every quantity at the given widths, written into `out`. */
  evaluate(widths: ArrayLike<number>, out: Float64Array): Float64Array {
    this.evaluateForms(widths);
    const fv = this.formValues;
    for (let q = 0; q < this.quantityCount; q++) {
      let sum = 0;
      for (let k = this.termStart[q]; k < this.termStart[q + 1]; k++) {
        const r = this.termRight[k];
        sum += this.termCoef[k] * fv[this.termLeft[k]] * (r < 0 ? 1 : fv[r]);
      }
      out[q] = sum;
    }
    return out;
  }

  /**
   * Adds d/dc of Σ_q weights[q]·quantity_q to `grad`. Call evaluate() with the same widths
   * first (it caches the form values).
   */
  accumulateGradient(weights: Float64Array, grad: Float64Array): void {
    const fv = this.formValues;
    for (let q = 0; q < this.quantityCount; q++) {
      const w = weights[q];
      if (w === 0) continue;
      for (let k = this.termStart[q]; k < this.termStart[q + 1]; k++) {
        const coef = w * this.termCoef[k];
        const l = this.termLeft[k];
        const r = this.termRight[k];
        const rightValue = r < 0 ? 1 : fv[r];
        this.addFormGradient(l, coef * rightValue, grad);
        if (r >= 0) this.addFormGradient(r, coef * fv[l], grad);
      }
    }
  }

  private addFormGradient(form: number, scale: number, grad: Float64Array): void {
    for (let e = this.formStart[form]; e < this.formStart[form + 1]; e++) {
      grad[this.formGroup[e]] += scale * this.formCoef[e];
    }
  }

  private evaluateForms(widths: ArrayLike<number>): void {
    for (let f = 0; f < this.formValues.length; f++) {
      let v = this.formConstant[f];
      for (let e = this.formStart[f]; e < this.formStart[f + 1]; e++) {
        v += this.formCoef[e] * widths[this.formGroup[e]];
      }
      this.formValues[f] = v;
    }
  }
}
